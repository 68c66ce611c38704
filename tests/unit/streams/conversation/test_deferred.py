"""An answer the contact window forbids waits for the window's opening, and a
closed task resumes automation at once: both through the real decision core.

NIGHT_UTC is 23:00 in New York: the default profile (12 CFR 1006.6(b)(1),
8 a.m.-9 p.m.) defers to 8:00 local, 13:00 UTC the same day.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from recaudo.contracts.events import TaskClosedEvent
from recaudo.contracts.outputs import Action, Decision, Release
from recaudo.streams.decision.context import Effects
from tests.unit.streams.conversation.test_assistant import (
    DECIDER,
    answer,
    known,
    payment,
    reply,
)
from tests.unit.streams.test_decide import NIGHT_UTC, NOON_UTC, account, run

OPENING = dt.datetime(2026, 11, 18, 13, 0, tzinfo=dt.UTC)  # 8:00 in New York


def deferred(fx: Effects) -> Decision:
    [decision] = [d for d in fx.decisions if d.action is Action.DEFER]
    return decision


def release(decision: Decision, n: int = 1) -> tuple[Release, dt.datetime]:
    assert decision.contact_id is not None
    assert decision.defer_until is not None
    at = decision.defer_until
    event = Release(
        event_id=f"rel-{n}",
        tenant_id="acme",
        debtor_id="d1",
        item_id=decision.contact_id,
        kind="contact",
        due_at=at,
        released_at=at,
    )
    return event, at


def closed(task_id: str, at: dt.datetime = NOON_UTC) -> TaskClosedEvent:
    return TaskClosedEvent(
        event_id="close-1",
        tenant_id="acme",
        occurred_at=at,
        debtor_id="d1",
        task_id=task_id,
        resolution="resolved",
        closed_by="agent-7",
    )


def test_a_question_at_night_is_answered_at_the_windows_opening_on_its_channel() -> None:
    state = known()
    fx = run(DECIDER, state, reply("how much do I owe?"), NIGHT_UTC)
    assert fx.contacts == []
    held = deferred(fx)
    assert held.defer_until == OPENING
    assert held.channel == "sms"
    assert held.reasons[0].rule_id == "assistant.reply"
    assert any("1006.6(b)" in (r.citation or "") for r in held.reasons)
    event, at = release(held)
    fx = run(DECIDER, state, event, at)
    [command] = fx.contacts
    assert (command.contact_id, command.channel) == (held.contact_id, "sms")
    assert command.address == "+12125550100"
    assert command.template == "assistant_balance_v1_en"
    assert "$120.00" in answer(fx)
    assert "Reply STOP" in answer(fx)
    [sent] = [d for d in fx.decisions if d.action is Action.CONTACT]
    assert sent.contact_id == held.contact_id
    [asked] = [r for r in sent.reasons if r.rule_id == "assistant.reply"]
    assert asked.params["deferred"] is True
    assert "caps.consumer_initiated" in [r.rule_id for r in sent.reasons]
    # Released again (a replayed schedule entry): never sent twice.
    assert run(DECIDER, state, event, at).contacts == []


def test_the_deferred_answer_is_rendered_from_the_state_at_the_opening() -> None:
    state = known()
    held = deferred(run(DECIDER, state, reply("balance"), NIGHT_UTC))
    run(DECIDER, state, payment(5_000, 1, NIGHT_UTC + dt.timedelta(hours=2)))
    event, at = release(held)
    fx = run(DECIDER, state, event, at)
    assert "$70.00" in answer(fx)  # $120.00 owed, $50.00 paid in the night


def test_nothing_owed_by_the_opening_means_no_answer() -> None:
    state = known()
    held = deferred(run(DECIDER, state, reply("send me the link"), NIGHT_UTC))
    fx = run(DECIDER, state, payment(12_000, 1, NIGHT_UTC + dt.timedelta(hours=1)))
    [cancel] = [d for d in fx.decisions if d.contact_id == held.contact_id]
    assert cancel.action is Action.CANCEL
    assert cancel.reasons[0].rule_id == "payment.covers_due"
    event, at = release(held)
    assert run(DECIDER, state, event, at).contacts == []


def test_a_night_reply_replayed_or_repeated_waits_as_one_answer() -> None:
    first, again = known(), known()
    a = deferred(run(DECIDER, first, reply("balance"), NIGHT_UTC))
    b = deferred(run(DECIDER, again, reply("balance"), NIGHT_UTC))
    assert a.contact_id == b.contact_id
    run(DECIDER, first, reply("how much do I owe", 2), NIGHT_UTC)
    assert len([p for p in first.pending if p.trigger == "assistant"]) == 1


def test_a_handoff_at_night_says_when_a_person_will_answer_at_the_opening() -> None:
    state = known()
    fx = run(DECIDER, state, reply("I want to talk to a person"), NIGHT_UTC)
    [task] = fx.tasks
    event, at = release(deferred(fx))
    fx = run(DECIDER, state, event, at)
    due = task.due_by.astimezone(ZoneInfo("America/New_York"))
    assert f"by {due:%B} {due.day}, {due.year}" in answer(fx)


def test_closing_a_task_proposes_the_current_step_at_once() -> None:
    state = known()
    [task] = run(DECIDER, state, reply("I want to talk to a person")).tasks
    new_cycle = account(event_id="acct-2", due_date="2026-11-28", days_past_due=1)
    assert run(DECIDER, state, new_cycle).contacts == []  # paused
    fx = run(DECIDER, state, closed(task.task_id))
    [command] = fx.contacts
    [decision] = [d for d in fx.decisions if d.action is Action.CONTACT]
    assert decision.contact_id == command.contact_id
    assert decision.reasons[0].rule_id == "task.closed"
    assert decision.reasons[0].params["task_id"] == task.task_id
    assert decision.trigger_type == "task_closed"
    # The same step from the account feed later is the same contact: not sent again.
    again = account(event_id="acct-3", due_date="2026-11-28", days_past_due=1)
    assert run(DECIDER, state, again).contacts == []


def test_a_task_closed_at_night_defers_the_step_to_the_window() -> None:
    state = known()
    [task] = run(DECIDER, state, reply("I want to talk to a person")).tasks
    run(DECIDER, state, account(event_id="acct-2", due_date="2026-11-28", days_past_due=1))
    fx = run(DECIDER, state, closed(task.task_id, NIGHT_UTC), NIGHT_UTC + dt.timedelta(days=1))
    assert fx.contacts == []
    held = deferred(fx)
    assert held.reasons[0].rule_id == "task.closed"
    event, at = release(held)
    assert run(DECIDER, state, event, at).contacts


def test_a_closed_dispute_task_does_not_resume_collection_while_the_flag_stays() -> None:
    state = known()
    [task] = run(DECIDER, state, reply("I dispute this debt")).tasks
    assert state.accounts["a1"].flags == ["dispute"]
    fx = run(DECIDER, state, closed(task.task_id))
    assert fx.contacts == []
    [held] = fx.decisions
    assert held.action is Action.SUPPRESS
    assert [r.rule_id for r in held.reasons] == ["task.closed", "suppress.dispute"]
    assert "1692g(b)" in (held.reasons[1].citation or "")
    assert state.conversation is None  # the pause itself is lifted
    # Verification mailed: the account feed clears the flag and collection goes on.
    verified = account(event_id="acct-2", due_date="2026-11-28", days_past_due=1)
    assert run(DECIDER, state, verified).contacts
