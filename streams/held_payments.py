"""Payments waiting for their account's first snapshot (``streams.account_ledger``).

A payment for an account not seen yet is kept in the debtor's state, never
applied to an invented account, and a schedule entry of kind ``HELD`` marks
when it has waited ``HOLD_S`` of event time. Past the count or the time bound
it becomes a dead letter with the reason: nothing is dropped silently.
"""

from __future__ import annotations

from recaudo.contracts.events import PaymentEvent
from recaudo.contracts.schedule import Entry
from recaudo.contracts.state import HeldPayment
from recaudo.foundation.errors import InvalidEvent
from recaudo.streams.account_ledger import HOLD_S, MAX_HELD
from recaudo.streams.decision.context import Context, Effects
from recaudo.streams.state import DebtorState

#: The schedule's kind for a held payment's expiry.
HELD = "held"


def hold(state: DebtorState, ev: PaymentEvent, ctx: Context, fx: Effects) -> None:
    """Keep ``ev`` until its account arrives; refused (a dead letter) past ``MAX_HELD``."""
    if len(state.held) >= MAX_HELD:
        raise InvalidEvent(
            f"account_id: {ev.account_id!r} is not known yet and "
            f"{MAX_HELD} payments already wait for this debtor's accounts"
        )
    at = ev.occurred_at.timestamp()
    state.held.append(HeldPayment(account_id=ev.account_id, t=at, raw=ev.model_dump_json()))
    fx.schedule_add.append((Entry(ctx.tenant_id, ctx.debtor_id, ev.event_id, HELD), at + HOLD_S))
    fx.held = True


def take(
    state: DebtorState, account_id: str, ctx: Context, fx: Effects
) -> list[tuple[str, PaymentEvent]]:
    """The payments that waited for ``account_id``, in their own time order, unscheduled."""
    waiting = sorted((h for h in state.held if h.account_id == account_id), key=lambda h: h.t)
    state.held = [h for h in state.held if h.account_id != account_id]
    out = []
    for held in waiting:
        ev = PaymentEvent.model_validate_json(held.raw)
        fx.schedule_remove.append(Entry(ctx.tenant_id, ctx.debtor_id, ev.event_id, HELD))
        out.append((held.raw, ev))
    return out


def expire(state: DebtorState, ctx: Context, fx: Effects) -> None:
    """Held past ``HOLD_S`` of event time: a dead letter saying so."""
    now = ctx.now.timestamp()
    expired = [h for h in state.held if now - h.t >= HOLD_S]
    state.held = [h for h in state.held if h not in expired]
    for held in expired:
        why = (
            f"account_id: account {held.account_id!r} did not arrive within {HOLD_S / 86400:g} days"
        )
        fx.dead_letters.append((held.raw, InvalidEvent(why)))
