"""The contract between the decision stage and the compliance rules.

A ``ContactProposal`` describes one contact the decision stage would like to
make; ``evaluate`` answers with a ``Verdict``: allow now, defer to a later
instant, or suppress, always naming the rules that decided it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from recaudo.streams.events import (
    AccountFlags,
    AccountStatus,
    Channel,
    Contract,
    Jurisdiction,
    TimeZoneName,
)
from recaudo.streams.outputs import Purpose, Reason


class HistoryKind(StrEnum):
    ATTEMPT = "attempt"
    CONVERSATION = "conversation"


class HistoryItem(Contract):
    """A past contact attempt (or a telephone conversation) with this debtor."""

    channel: Channel
    at: AwareDatetime
    kind: HistoryKind = HistoryKind.ATTEMPT
    account_id: str | None = None


class ContactProposal(Contract):
    """Everything a rule may look at to judge one proposed contact."""

    tenant_id: str = "default"
    jurisdiction: Jurisdiction
    timezone: TimeZoneName | None = Field(
        default=None, description="Debtor's IANA zone; unknown means every zone of the country"
    )
    channel: Channel
    at: AwareDatetime = Field(description="When the contact would be made")
    account_id: str | None = None
    account_status: AccountStatus = AccountStatus.DELINQUENT
    days_past_due: int = Field(default=1, ge=0)
    flags: AccountFlags = AccountFlags()
    consent: bool = True
    opted_out_channels: frozenset[Channel] = frozenset()
    opted_out_all: bool = False
    bounced: bool = Field(default=False, description="The address hard-bounced before")
    promise_until: dt.date | None = None
    history: tuple[HistoryItem, ...] = ()
    purpose: Purpose = Field(
        default="collection",
        description="A reminder (account not in arrears) is judged by the profile's "
        "servicing rules: collection-only rules do not apply, opt-outs always do",
    )


class Verdict(Contract):
    action: Literal["allow", "defer", "suppress"]
    defer_until: AwareDatetime | None = None
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
