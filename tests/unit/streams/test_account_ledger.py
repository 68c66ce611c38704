"""The account's amount due does not depend on the order its events arrive in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recaudo.contracts.events import AccountEvent, PaymentEvent
from recaudo.contracts.outputs import Action, Release
from recaudo.foundation.errors import InvalidEvent
from recaudo.streams import account_ledger
from recaudo.streams.held_payments import HELD
from recaudo.streams.state import DebtorState
from tests.unit.streams.test_decide import NIGHT_UTC, NOON_UTC, account, make_decider, run

T0 = NOON_UTC - dt.timedelta(days=1)


def payment(n: int, minor: int, at: dt.datetime, **overrides: Any) -> PaymentEvent:
    base: dict[str, Any] = {
        "event_id": f"pay-{n}",
        "tenant_id": "acme",
        "occurred_at": at,
        "debtor_id": "d1",
        "payment_id": f"P{n}",
        "account_id": "a1",
        "amount": {"amount_minor": minor, "currency": "USD"},
        "method": "card",
        "paid_at": at,
    }
    base.update(overrides)
    return PaymentEvent.model_validate(base)


def snapshot(n: int, due: int, at: dt.datetime) -> AccountEvent:
    return account(
        event_id=f"acct-{n}",
        occurred_at=at,
        amount_due={"amount_minor": due, "currency": "USD"},
        balance={"amount_minor": due * 4, "currency": "USD"},
    )


def expected_due(events: list[AccountEvent | PaymentEvent]) -> int:
    """The contract, written as plainly as possible."""
    snaps = [e for e in events if isinstance(e, AccountEvent)]
    newest = max(snaps, key=lambda e: (e.occurred_at, e.event_id))
    after = {
        e.payment_id: e
        for e in events
        if isinstance(e, PaymentEvent) and e.occurred_at > newest.occurred_at
    }
    net = sum(e.amount.amount_minor * (1 if e.reversal_of else -1) for e in after.values())
    return max(0, newest.amount_due.amount_minor + net)


@st.composite
def histories(draw: st.DrawFn) -> list[AccountEvent | PaymentEvent]:
    hours = st.integers(min_value=0, max_value=20)
    events: list[AccountEvent | PaymentEvent] = [
        snapshot(n, draw(st.integers(0, 30_000)), T0 + dt.timedelta(hours=draw(hours)))
        for n in range(draw(st.integers(1, 3)))
    ]
    for n in range(draw(st.integers(0, 5))):
        at = T0 + dt.timedelta(hours=draw(hours), minutes=1)
        amount = draw(st.integers(1, 20_000))
        reversal = draw(st.booleans()) and n > 0
        events.append(payment(n, amount, at, reversal_of=f"P{n - 1}" if reversal else None))
    # A payment re-sent under another event id is the same payment.
    payments = [e for e in events if isinstance(e, PaymentEvent)]
    resend: bool = draw(st.booleans())
    if payments and resend:
        again: PaymentEvent = draw(st.sampled_from(payments))
        events.append(again.model_copy(update={"event_id": again.event_id + "-again"}))
    return draw(st.permutations(events))


@settings(max_examples=300, deadline=None)
@given(histories())
def test_the_amount_due_is_the_newest_snapshot_plus_later_payments_in_any_order(
    events: list[AccountEvent | PaymentEvent],
) -> None:
    decider, state = make_decider(), DebtorState()
    for event in events:
        run(decider, state, event, now=NOON_UTC)
    assert state.accounts["a1"].due == expected_due(events)
    assert state.held == []


def test_a_payment_before_its_account_is_held_then_applied_and_nothing_is_contacted() -> None:
    decider, state = make_decider(), DebtorState()
    fx = run(decider, state, payment(1, 12_000, T0 + dt.timedelta(hours=2)))
    assert fx.held
    assert state.accounts == {}, "a payment never invents an account"
    [(entry, expires)] = fx.schedule_add
    assert entry.kind == HELD
    assert expires == (T0 + dt.timedelta(hours=2)).timestamp() + account_ledger.HOLD_S
    fx = run(decider, state, snapshot(1, 12_000, T0 + dt.timedelta(hours=1)))
    assert fx.contacts == []
    assert state.accounts["a1"].due == 0
    assert state.held == []
    assert [e.kind for e in fx.schedule_remove] == [HELD]


def test_an_older_snapshot_arriving_late_changes_nothing() -> None:
    decider, state = make_decider(), DebtorState()
    run(decider, state, snapshot(2, 5_000, T0 + dt.timedelta(hours=5)))
    before = state.encode()
    fx = run(decider, state, snapshot(1, 90_000, T0 + dt.timedelta(hours=1)))
    assert fx.stale
    assert fx.decisions == []
    assert fx.contacts == []
    assert state.encode() == before


def test_a_payment_re_sent_under_a_new_event_id_changes_nothing() -> None:
    decider, state = make_decider(), DebtorState()
    run(decider, state, snapshot(1, 12_000, T0))
    run(decider, state, payment(1, 5_000, T0 + dt.timedelta(hours=1)))
    fx = run(decider, state, payment(1, 5_000, T0 + dt.timedelta(hours=1), event_id="pay-again"))
    assert fx.duplicate
    assert state.accounts["a1"].due == 7_000
    assert state.out is not None
    assert state.out.rec == 5_000


def test_a_covering_payment_cancels_the_pending_contact_whichever_came_last() -> None:
    decider, state = make_decider(), DebtorState()
    run(decider, state, payment(1, 12_000, T0 + dt.timedelta(hours=2)))
    contacted = run(decider, state, snapshot(1, 12_000, T0 + dt.timedelta(hours=1)))
    assert contacted.contacts == []
    other = DebtorState()
    first = run(decider, other, snapshot(1, 12_000, T0 + dt.timedelta(hours=1)))
    [contact] = first.contacts
    fx = run(decider, other, payment(1, 12_000, T0 + dt.timedelta(hours=2)))
    assert [e.contact_id for e, _ in fx.cancel_emitted] == [contact.contact_id]
    assert (state.accounts["a1"].due, other.accounts["a1"].due) == (0, 0)
    assert state.out is not None
    assert other.out is not None
    assert (state.out.owed, state.out.rec) == (other.out.owed, other.out.rec) == (12_000, 12_000)


def test_a_snapshot_whose_later_payments_cover_it_cancels_what_is_pending() -> None:
    decider, state = make_decider(), DebtorState()
    night = NIGHT_UTC - dt.timedelta(hours=3)
    deferred = run(decider, state, snapshot(1, 12_000, night), now=NIGHT_UTC).decisions
    assert [d.action for d in deferred] == [Action.DEFER]
    partial = payment(1, 6_000, night + dt.timedelta(hours=2))
    assert run(decider, state, partial, now=NIGHT_UTC).decisions == []
    # The lender's next snapshot predates that payment: it states 6,000 still due.
    fx = run(decider, state, snapshot(2, 6_000, night + dt.timedelta(hours=1)), NIGHT_UTC)
    [cancel] = fx.decisions
    assert cancel.action is Action.CANCEL
    assert cancel.reasons[0].rule_id == "account.nothing_due"
    assert state.pending == []
    assert state.accounts["a1"].due == 0


def test_more_held_payments_than_the_bound_are_refused_with_the_reason() -> None:
    decider, state = make_decider(), DebtorState()
    for n in range(account_ledger.MAX_HELD):
        run(decider, state, payment(n, 100, T0))
    with pytest.raises(InvalidEvent, match="already wait"):
        run(decider, state, payment(99, 100, T0))
    assert len(state.held) == account_ledger.MAX_HELD


def test_a_payment_held_too_long_becomes_a_dead_letter_saying_why() -> None:
    decider, state = make_decider(), DebtorState()
    run(decider, state, payment(1, 100, T0))
    due = T0 + dt.timedelta(seconds=account_ledger.HOLD_S)
    release = Release(
        kind="held",
        event_id="release-pay-1",
        tenant_id="acme",
        debtor_id="d1",
        item_id="pay-1",
        due_at=due,
        released_at=due,
    )
    fx = run(decider, state, release, now=due)
    [(raw, why)] = fx.dead_letters
    assert PaymentEvent.model_validate_json(raw).payment_id == "P1"
    assert "did not arrive within 7 days" in str(why)
    assert state.held == []


def test_a_held_payment_in_another_currency_is_a_dead_letter_when_its_account_comes() -> None:
    decider, state = make_decider(), DebtorState()
    euros = payment(1, 100, T0, amount={"amount_minor": 100, "currency": "EUR"})
    run(decider, state, euros)
    fx = run(decider, state, snapshot(1, 12_000, T0 - dt.timedelta(hours=1)))
    [(raw, why)] = fx.dead_letters
    assert "amount.currency" in str(why)
    assert "EUR" in raw
    assert state.accounts["a1"].due == 12_000
