"""Colombia's prior notice before a negative credit-bureau report, sent by the service.

Ley 1266 de 2008 art. 12 (``rules.credit_bureau``): a negative report only
twenty days after a prior notice, two on different days for a small debt. Where
a tenant enables it (``[credit_bureau] enabled``), each Colombian debtor's
account in arrears for ``at_dpd`` days or more gets those notices as ``notice``
contacts on written channels, at most one a day, until enough are delivered.
The delivery receipt is the proof: its day, where the debtor lives, joins the
account's delivered notices (``AccountState.bn``, with the lender's own), from
which the earliest reporting date follows. Notice contact ids begin with
``NOTICE_PREFIX`` so the stage reads their ``delivered`` receipts, which it skips
for every other contact (``streams.decision_stage``).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple
from zoneinfo import ZoneInfo

from recaudo.contracts.events import (
    AccountEvent,
    AccountStatus,
    DeliveryEvent,
    DeliveryStatus,
    Money,
)
from recaudo.contracts.ports import Step
from recaudo.contracts.state import AccountState, PendingContact
from recaudo.rules.credit_bureau import is_colombian, is_small_debt, notices_needed
from recaudo.rules.ports import ContactPolicy
from recaudo.streams.decision.context import Context, stable_id
from recaudo.streams.state import DebtorState

NOTICE_PREFIX = "cbn-"
#: The trigger of a notice in the audit records.
TRIGGER = "credit_bureau_notice"
IN_ARREARS = frozenset({AccountStatus.DELINQUENT, AccountStatus.CHARGED_OFF})


def is_notice(contact_id: str) -> bool:
    return contact_id.startswith(NOTICE_PREFIX)


def _today(state: DebtorState, at: dt.datetime) -> dt.date:
    return at.astimezone(ZoneInfo(state.tz) if state.tz else dt.UTC).date()


class NoticeDue(NamedTuple):
    step: Step
    contact_id: str


def delivered_days(ev: AccountEvent, previous: AccountState | None) -> list[str]:
    """The notices the lender says were delivered, and those we delivered: proof stays."""
    given = (d.isoformat() for d in ev.credit_bureau_notices)
    return sorted({*given, *(previous.bn if previous else ())})


def due(
    state: DebtorState, account_id: str, policy: ContactPolicy, ctx: Context
) -> NoticeDue | None:
    """The notice this account needs now, or None: not enabled, not Colombian, not
    in arrears long enough, enough delivered, one delivered today, or one on its way."""
    settings = policy.credit_bureau
    account = state.accounts[account_id]
    if (
        not settings.enabled
        or not is_colombian(state.jur)
        or account.status not in IN_ARREARS
        or account.due <= 0
        or account.days_past_due < settings.at_dpd
    ):
        return None
    today = _today(state, ctx.now)
    delivered = sorted(set(account.bn))
    small = is_small_debt(Money(amount_minor=account.due, currency=account.cur), today)
    if len(delivered) >= notices_needed(small) or (
        delivered and delivered[-1] >= today.isoformat()
    ):
        return None
    n = str(len(delivered) + 1)
    step = Step(f"{TRIGGER}:{n}", settings.channels, settings.template)
    contact_id = NOTICE_PREFIX + stable_id(ctx.tenant_id, ctx.debtor_id, account_id, TRIGGER, n)
    on_its_way = any(e.contact_id == contact_id for e in state.emitted) or any(
        p.contact_id == contact_id for p in state.pending
    )
    if on_its_way or step.step_id in account.steps:
        return None
    return NoticeDue(step, contact_id)


def released(pending: PendingContact, policy: ContactPolicy) -> Step | None:
    """The notice a deferred contact is, on its release (None: not a notice)."""
    if not is_notice(pending.contact_id):
        return None
    settings = policy.credit_bureau
    channels = (pending.ch, *(c for c in settings.channels if c != pending.ch))
    return Step(pending.step, channels, settings.template)


def record_delivery(state: DebtorState, ev: DeliveryEvent) -> None:
    """A notice delivered: its day (the debtor's) is proof for the account."""
    if ev.status is not DeliveryStatus.DELIVERED or not is_notice(ev.contact_id):
        return
    account_id = ev.account_id or next(
        (e.account_id for e in state.emitted if e.contact_id == ev.contact_id), None
    )
    account = state.accounts.get(account_id) if account_id else None
    if account is None:
        return
    day = _today(state, ev.occurred_at).isoformat()
    if day not in account.bn:
        account.bn = sorted({*account.bn, day})
