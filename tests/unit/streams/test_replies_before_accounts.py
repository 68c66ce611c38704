"""A debtor's opt-out or dispute holds whether it arrived before or after the
account snapshot that it concerns, and a later snapshot never undoes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from recaudo.contracts.events import Channel, ResponseEvent, TaskClosedEvent
from recaudo.contracts.outputs import Action
from recaudo.streams.conversation.state import Conversation
from recaudo.streams.state import DebtorState
from tests.unit.streams.test_decide import NOON_UTC, account, make_decider, run


def response(intent: str, **overrides: Any) -> ResponseEvent:
    base: dict[str, Any] = {
        "event_id": f"reply-{intent}",
        "tenant_id": "acme",
        "occurred_at": NOON_UTC - dt.timedelta(minutes=30),
        "debtor_id": "d1",
        "channel": "whatsapp",
        "intent": intent,
    }
    base.update(overrides)
    return ResponseEvent.model_validate(base)


def test_an_opt_out_read_before_the_first_snapshot_closes_the_channel() -> None:
    decider, state = make_decider(), DebtorState()
    run(decider, state, response("opt_out"))
    fx = run(decider, state, account())
    assert all(c.channel is not Channel.WHATSAPP for c in fx.contacts)
    point = state.point(Channel.WHATSAPP)
    assert point is not None
    assert point.out


def test_a_later_snapshot_saying_not_opted_out_does_not_reopen_the_channel() -> None:
    decider, state = make_decider(), DebtorState()
    run(decider, state, account())
    run(decider, state, response("opt_out"))
    newer = account(event_id="acct-2", occurred_at=NOON_UTC, due_date="2026-11-05")
    fx = run(decider, state, newer)
    assert all(c.channel is not Channel.WHATSAPP for c in fx.contacts)


def test_a_dispute_before_its_account_suppresses_it_when_it_arrives() -> None:
    decider, state = make_decider(), DebtorState()
    run(decider, state, response("dispute", account_id="a1"))
    assert state.accounts == {}
    fx = run(decider, state, account())
    assert fx.contacts == []
    assert "dispute" in state.accounts["a1"].flags
    assert [d.action for d in fx.decisions] == [Action.SUPPRESS]


def test_a_dispute_survives_a_newer_snapshot_until_a_person_closes_the_case() -> None:
    decider, state = make_decider(), DebtorState()
    run(decider, state, account())
    run(decider, state, response("dispute"))
    newer = account(event_id="acct-2", occurred_at=NOON_UTC, due_date="2026-11-05")
    assert run(decider, state, newer).contacts == []
    assert "dispute" in state.accounts["a1"].flags
    # A person takes the case (a task, as the assistant opens for a dispute) and closes it.
    state.conversation = Conversation(task="t-1")
    closed = TaskClosedEvent(
        event_id="close-1",
        tenant_id="acme",
        occurred_at=NOON_UTC,
        debtor_id="d1",
        task_id="t-1",
        resolution="verified",
        closed_by="agent-7",
    )
    run(decider, state, closed)
    cleared = account(event_id="acct-3", occurred_at=NOON_UTC + dt.timedelta(hours=1))
    run(decider, state, cleared)
    assert "dispute" not in state.accounts["a1"].flags
