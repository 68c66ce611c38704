"""The contract between the decision stage and the compliance rules.

A ``ContactProposal`` describes one contact the decision stage would like to
make; ``evaluate`` answers with a ``Verdict``: allow now, defer to a later
instant, or suppress, always naming the rules that decided it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, ConfigDict, Field

from recaudo.contracts.events import (
    AccountStatus,
    Channel,
    Jurisdiction,
    Money,
    TimeZoneName,
)
from recaudo.contracts.outputs import Purpose, Reason
from recaudo.rules.caller_id import E164
from recaudo.rules.reassigned import ReassignedCheck
from recaudo.rules.validation_notice import ValidationNotice

#: Where pydantic reads these records (``recaudo check-contact``), as strict as
#: the event contract: an unknown field is an error, never ignored.
_EDGE = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HistoryKind(StrEnum):
    ATTEMPT = "attempt"
    CONVERSATION = "conversation"


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryItem:
    """A past contact attempt (or a telephone conversation) with this debtor."""

    __pydantic_config__ = _EDGE

    channel: Channel
    at: AwareDatetime
    kind: HistoryKind = HistoryKind.ATTEMPT
    account_id: str | None = None


# ``Flags`` and ``FlagDates``: one field per ``LegalFlag`` (``contracts.base``),
# named by its value; tests/unit/streams/test_legal_flags.py keeps them in step.
@dataclass(frozen=True, slots=True, kw_only=True)
class Flags:
    """The account flags that suppress every contact (``AccountFlags`` of the events)."""

    __pydantic_config__ = _EDGE

    dispute: bool = False
    bankruptcy: bool = False
    deceased: bool = False
    cease_and_desist: bool = False
    legal_hold: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class FlagDates:
    """The day each set flag took effect (a bankruptcy petition's filing, a death):
    a flag suppresses from that day in the debtor's zone, not before (``rules.dated``).
    None: unknown, so the flag suppresses whatever the contact's date."""

    __pydantic_config__ = _EDGE

    dispute: dt.date | None = None
    bankruptcy: dt.date | None = None
    deceased: dt.date | None = None
    cease_and_desist: dt.date | None = None
    legal_hold: dt.date | None = None


#: Who the contact goes to: the debtor, or after a death the representative
#: (executor, administrator) of the debtor's estate (``rules.estate``).
Recipient = Literal["debtor", "estate_representative"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactProposal:
    """Everything a rule may look at to judge one proposed contact.

    Plain data, built for every channel of every decision; pydantic validates
    it only at the edge (``rules.cli``), with the constraints annotated here.
    """

    __pydantic_config__ = _EDGE

    tenant_id: str = "default"
    jurisdiction: Jurisdiction
    #: Debtor's IANA zone; unknown (None) means every zone of the country.
    timezone: TimeZoneName | None = None
    channel: Channel
    #: When the contact would be made.
    at: AwareDatetime
    account_id: str | None = None
    account_status: AccountStatus = AccountStatus.DELINQUENT
    days_past_due: Annotated[int, Field(ge=0)] = 1
    flags: Flags = Flags()
    flag_dates: FlagDates = FlagDates()
    recipient: Recipient = "debtor"
    consent: bool = True
    opted_out_channels: frozenset[Channel] = frozenset()
    opted_out_all: bool = False
    #: The address hard-bounced before.
    bounced: bool = False
    promise_until: dt.date | None = None
    history: tuple[HistoryItem, ...] = ()
    #: A reminder (account not in arrears) is judged by the profile's servicing
    #: rules: collection-only rules do not apply, opt-outs always do.
    purpose: Purpose = "collection"
    #: The account's dates the limitations clock reads (``rules.limitations``).
    delinquency_date: dt.date | None = None
    last_payment_date: dt.date | None = None
    charge_off_date: dt.date | None = None
    #: The tenant's own finding that the debt is (or is not) time-barred; None: derived.
    time_barred: bool | None = None
    #: The policy template the message would use: one threatening legal action is
    #: refused for a time-barred debt (12 CFR 1006.26(b); ``rules.time_barred``).
    template: str | None = None
    #: Colombia: the days a prior notice of a negative credit-bureau report was
    #: delivered with proof, and the amount due (``rules.credit_bureau``).
    credit_bureau_notices: tuple[dt.date, ...] = ()
    amount_due: Money | None = None
    #: The number the call or message would come from (``rules.caller_id``).
    from_number: E164 | None = None
    #: When the debtor consented to calls and texts at this number.
    consent_at: dt.date | None = None
    #: The Reassigned Numbers Database's latest answer for this number.
    reassigned_check: ReassignedCheck | None = None
    #: US, third-party collectors (``rules.validation_period``): the validation notice
    #: provided, the day the consumer disputed the debt in writing, and the day the
    #: collector mailed verification (or a copy of a judgment) after that dispute.
    validation_notice: ValidationNotice | None = None
    disputed_on: dt.date | None = None
    verification_sent_on: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """The rules' answer to one proposal; plain data, read by the decision stage."""

    action: Literal["allow", "defer", "suppress"]
    defer_until: dt.datetime | None = None
    # Each reason's params carry ``outcome``: ``decided`` (it blocked or deferred
    # the contact) or ``passed`` (checked and satisfied).
    reasons: tuple[Reason, ...] = ()
    profile_version: str
    #: Rule ids that decided this verdict (empty for ``allow``: nothing blocked).
    decided_by: tuple[str, ...] = ()
    #: Rule ids that were checked and merely passed.
    passed: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.action == "allow"
