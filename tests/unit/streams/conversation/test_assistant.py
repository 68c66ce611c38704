"""The assistant in the decision core: each answer is an audited contact on the
channel the debtor wrote from, with the notices; promises and plans run on the
payments; hard cases become tasks that pause automation until they close."""

from __future__ import annotations

import datetime as dt
from typing import Any

from recaudo.contracts.events import Channel, PaymentEvent, ResponseEvent, TaskClosedEvent
from recaudo.contracts.outputs import Action, Release
from recaudo.rules.policy import default_policy
from recaudo.streams.decision.context import Effects
from recaudo.streams.state import DebtorState
from recaudo.streams.tasks import TaskKind
from tests.unit.streams.test_decide import NIGHT_UTC, NOON_UTC, account, run
from tests.unit.streams.test_decide_content import decider

DECIDER = decider(default_policy())


def reply(text: str, n: int = 1, channel: str = "sms", **extra: Any) -> ResponseEvent:
    return ResponseEvent.model_validate(
        {
            "event_id": f"in-{n}",
            "tenant_id": "acme",
            "occurred_at": NOON_UTC,
            "debtor_id": "d1",
            "channel": channel,
            "text": text,
            **extra,
        }
    )


def payment(amount: int, n: int = 1, at: dt.datetime = NOON_UTC) -> PaymentEvent:
    return PaymentEvent.model_validate(
        {
            "event_id": f"pay-{n}",
            "tenant_id": "acme",
            "occurred_at": at,
            "debtor_id": "d1",
            "payment_id": f"p{n}",
            "account_id": "a1",
            "amount": {"amount_minor": amount, "currency": "USD"},
            "method": "card",
            "paid_at": at,
        }
    )


def known() -> DebtorState:
    """A debtor the account feed has told us about, in New York, owing $120.00."""
    state = DebtorState()
    run(DECIDER, state, account(debtor_name="Ana", creditor_name="Acme Bank"))
    return state


def answer(fx: Effects) -> str:
    [command] = fx.contacts
    assert command.content is not None
    return command.content.text


def test_a_balance_question_is_answered_on_its_channel_with_the_notices_and_an_audit() -> None:
    state = known()
    fx = run(DECIDER, state, reply("how much do I owe?"))
    [command] = fx.contacts
    assert (command.channel, command.address) == ("sms", "+12125550100")
    assert command.template == "assistant_balance_v1_en"
    text = answer(fx)
    assert "$120.00" in text
    assert "Reply STOP" in text  # 12 CFR 1006.6(e): the opt-out notice of the channel
    [decision] = [d for d in fx.decisions if d.action is Action.CONTACT]
    assert decision.contact_id == command.contact_id
    rules = [r.rule_id for r in decision.reasons]
    assert "assistant.reply" in rules
    assert "caps.consumer_initiated" in rules
    assert "1006.14(b)(2)" in (
        decision.reasons[rules.index("caps.consumer_initiated")].citation or ""
    )


def test_the_same_reply_replayed_gives_the_same_answer_id() -> None:
    first = run(DECIDER, known(), reply("link"))
    again = run(DECIDER, known(), reply("link"))
    assert [c.contact_id for c in first.contacts] == [c.contact_id for c in again.contacts]
    assert "/pay/" in answer(first)


def test_a_promise_is_recorded_confirmed_and_checked_after_its_date() -> None:
    state = known()
    fx = run(DECIDER, state, reply("I'll pay $50 on Friday"))
    assert state.promise_until == dt.date(2026, 11, 20)  # NOON_UTC is Wednesday 18th
    assert state.conversation is not None
    assert state.conversation.pa == 5_000
    assert any(entry.kind == "promise" for entry, _at in fx.schedule_add)
    text = answer(fx)
    assert "$50.00" in text
    assert "November 20, 2026" in text
    assert any(r.rule_id == "suppress.promise_to_pay" for d in fx.decisions for r in d.reasons)


def test_a_promise_without_a_date_gets_a_question_not_a_record() -> None:
    state = known()
    fx = run(DECIDER, state, reply("I'll pay soon"))
    assert state.promise_until is None
    assert fx.contacts[0].template == "assistant_promise_ask_v1_en"


def test_partial_payments_add_up_to_a_kept_promise() -> None:
    state = known()
    run(DECIDER, state, reply("I'll pay $50 on Friday"))
    run(DECIDER, state, payment(2_000, 1))
    assert state.promise_until is not None
    assert state.conversation is not None
    assert state.conversation.pd == 2_000
    run(DECIDER, state, payment(3_000, 2))
    assert state.promise_until is None
    assert state.conversation is not None
    assert (state.conversation.pa, state.conversation.pd, state.conversation.pp) == (0, 0, [])
    assert len(state.conversation.kp) == 2  # kept by both: a reversal of either reopens it
    assert state.out is not None
    assert (state.out.prom, state.out.kept) == (1, 1)


def reversal(amount: int, of: int, n: int, at: dt.datetime = NOON_UTC) -> PaymentEvent:
    event = payment(amount, n, at)
    return event.model_copy(update={"payment_id": f"r{n}", "reversal_of": f"p{of}"})


def test_a_reversed_partial_payment_no_longer_counts_toward_the_promise() -> None:
    state = known()
    run(DECIDER, state, reply("I'll pay $50 on Friday"))
    run(DECIDER, state, payment(2_000, 1))
    fx = run(DECIDER, state, reversal(2_000, 1, 2))
    assert state.conversation is not None
    assert (state.conversation.pd, state.conversation.pp) == (0, [])
    assert fx.decisions[-1].reasons[0].rule_id == "promise.payment_reversed"
    run(DECIDER, state, payment(3_000, 3))
    assert state.promise_until is not None  # $30.00 of $50.00: still running


def test_a_reversed_payment_that_kept_the_promise_reopens_it() -> None:
    state = known()
    run(DECIDER, state, reply("I'll pay $50 on Friday"))
    run(DECIDER, state, payment(2_000, 1))
    run(DECIDER, state, payment(3_000, 2))
    assert state.promise_until is None
    fx = run(DECIDER, state, reversal(3_000, 2, 3))
    assert state.promise_until == dt.date(2026, 11, 20)
    assert state.conversation is not None
    assert (state.conversation.pa, state.conversation.pd) == (5_000, 2_000)
    assert state.out is not None
    assert (state.out.prom, state.out.kept) == (1, 0)
    assert fx.decisions[-1].reasons[0].rule_id == "promise.reopened"
    assert any(entry.kind == "promise" for entry, _at in fx.schedule_add)
    # Nothing more paid: the check after the date follows it up once.
    check = NOON_UTC + dt.timedelta(days=3)
    release = Release(
        event_id="rel-1",
        tenant_id="acme",
        debtor_id="d1",
        item_id="pay-3",
        kind="promise",
        due_at=check,
        released_at=check,
    )
    assert run(DECIDER, state, release, check).contacts


def test_a_plan_is_offered_within_policy_accepted_by_reply_and_runs_on_payments() -> None:
    state = known()
    fx = run(DECIDER, state, reply("can I pay in installments?"))
    assert "2 payments of $60.00" in answer(fx)
    fx = run(DECIDER, state, reply("1", 2))
    assert "Plan accepted: 2 payments of $60.00" in answer(fx)
    assert state.promise_until == dt.date(2026, 11, 25)
    assert state.conversation is not None
    assert state.conversation.pl == [1, 6_000, 30]
    run(DECIDER, state, payment(6_000, 1))
    assert state.promise_until == dt.date(2026, 12, 25)  # the second instalment runs
    assert state.conversation is not None
    assert (state.conversation.pa, state.conversation.pl) == (6_000, [])


EIGHT_DAYS_ON = NOON_UTC + dt.timedelta(days=8)


def promise_check(event_id: str, item_id: str) -> Release:
    """The schedule releasing the check of the promise made by reply ``item_id``."""
    return Release(
        event_id=event_id,
        tenant_id="acme",
        debtor_id="d1",
        item_id=item_id,
        kind="promise",
        due_at=EIGHT_DAYS_ON,
        released_at=EIGHT_DAYS_ON,
    )


def test_a_missed_instalment_is_followed_up_once() -> None:
    state = known()
    run(DECIDER, state, reply("can I pay in installments?"))
    run(DECIDER, state, reply("1", 2))
    release = promise_check("rel-1", "in-2")
    fx = run(DECIDER, state, release, EIGHT_DAYS_ON)
    [command] = fx.contacts
    assert command.contact_id in {d.contact_id for d in fx.decisions}
    # The audit record the lender's CRM hears of it by (plan.missed webhook).
    [missed] = [r for d in fx.decisions for r in d.reasons if r.rule_id == "plan.missed"]
    assert missed.params == {"due_on": "2026-11-25", "instalments_left": 1}
    assert state.promise_until is None
    assert state.conversation is None
    again = run(DECIDER, state, release, EIGHT_DAYS_ON)
    assert again.contacts == []
    assert again.decisions == [], "the check ran once: nothing more to record"


def test_a_broken_single_promise_is_recorded_without_a_plan() -> None:
    state = known()
    run(DECIDER, state, reply("I'll pay $50 on Friday"))
    assert state.promise_until is not None
    fx = run(DECIDER, state, promise_check("rel-2", "in-1"), EIGHT_DAYS_ON)
    rules = [r.rule_id for d in fx.decisions for r in d.reasons]
    assert "promise.broken" in rules
    assert "plan.missed" not in rules


def test_stop_and_wrong_party_get_no_answer() -> None:
    state = known()
    assert run(DECIDER, state, reply("STOP")).contacts == []
    state = known()
    fx = run(DECIDER, state, reply("wrong number", channel="email"))
    assert fx.contacts == []
    point = state.point("email")  # type: ignore[arg-type]
    assert point is not None
    assert point.bounced


def test_a_dispute_opens_a_task_that_pauses_automation_until_it_closes() -> None:
    state = known()
    fx = run(DECIDER, state, reply("I dispute this debt"))
    [task] = fx.tasks
    assert task.kind is TaskKind.DISPUTE
    assert task.due_by == NOON_UTC + dt.timedelta(hours=72)
    assert fx.contacts == []
    assert state.conversation is not None
    assert state.conversation.task == task.task_id
    fx = run(DECIDER, state, reply("how much do I owe?", 2))
    assert fx.contacts == []
    assert fx.decisions[-1].reasons[0].rule_id == "task.open"
    closed = TaskClosedEvent(
        event_id="close-1",
        tenant_id="acme",
        occurred_at=NOON_UTC,
        debtor_id="d1",
        task_id=task.task_id,
        resolution="resolved",
        closed_by="agent-7",
    )
    run(DECIDER, state, closed)
    assert state.conversation is None


def test_asking_for_a_person_pauses_cadence_contacts() -> None:
    state = known()
    fx = run(DECIDER, state, reply("I want to talk to a person"))
    [task] = fx.tasks
    assert task.kind is TaskKind.HUMAN
    assert "by November 18, 2026" in answer(fx)
    fx = run(DECIDER, state, account(event_id="acct-2", due_date="2026-11-28", days_past_due=1))
    assert fx.contacts == []
    assert [r.rule_id for d in fx.decisions for r in d.reasons] == ["task.open"]


def test_far_past_due_without_a_promise_goes_to_a_person_once_a_cycle() -> None:
    state = DebtorState()
    fx = run(DECIDER, state, account(days_past_due=95))
    [task] = fx.tasks
    assert task.kind is TaskKind.LEGAL
    assert fx.contacts == []
    assert run(DECIDER, state, account(event_id="acct-2", days_past_due=96)).tasks == []


def test_an_answer_outside_the_contact_window_waits_for_it() -> None:
    state = known()
    fx = run(DECIDER, state, reply("balance"), NIGHT_UTC)
    assert fx.contacts == []
    [held] = fx.decisions
    assert held.action is Action.DEFER  # test_deferred: sent at the opening
    assert held.reasons[0].rule_id == "assistant.reply"
    assert any("1006.6(b)" in (r.citation or "") for r in held.reasons)


def test_the_conversation_keeps_the_state_small() -> None:
    state = known()
    run(DECIDER, state, reply("can I pay in installments?"))
    run(DECIDER, state, reply("1", 2))
    assert state.conversation is not None
    assert len(state.conversation.model_dump_json(exclude_defaults=True)) < 80
    assert len(state.encode()) < 1024


def test_where_no_exemption_is_verified_the_answer_counts_against_the_caps() -> None:
    """Colombia: contacted today, the debtor's question is held by the caps (Ley 2300
    de 2023 art. 3 counts contacts; an exemption for answers was not verified)."""
    state = DebtorState()
    colombian = account(
        jurisdiction="CO",
        timezone="America/Bogota",
        language="es",
        contact_points=[{"channel": "sms", "address": "+573001234567", "consent": True}],
        amount_due={"amount_minor": 12_000_000, "currency": "COP"},
        balance={"amount_minor": 50_000_000, "currency": "COP"},
    )
    assert run(DECIDER, state, colombian).contacts
    fx = run(DECIDER, state, reply("cuanto debo?"))
    assert fx.contacts == []
    [held] = fx.decisions
    assert held.reasons[0].rule_id == "assistant.reply"
    assert held.reasons[1].rule_id.startswith("co.")


def test_a_structured_promise_on_the_event_is_kept_and_confirmed() -> None:
    state = known()
    promise = {"amount": {"amount_minor": 3_000, "currency": "USD"}, "due_on": "2026-11-27"}
    fx = run(DECIDER, state, reply("te pago la otra semana", promise=promise))
    assert state.promise_until == dt.date(2026, 11, 27)
    assert "$30.00" in answer(fx)


def test_a_callback_request_schedules_a_call_inside_the_window() -> None:
    state = DebtorState()
    points = [
        {"channel": "sms", "address": "+12125550100", "consent": True},
        {"channel": "voice", "address": "+12125550100", "consent": True},
    ]
    run(DECIDER, state, account(contact_points=points, days_past_due=70))
    fx = run(DECIDER, state, reply("call me back please"), NIGHT_UTC)
    [deferred] = [d for d in fx.decisions if d.action is Action.DEFER]
    assert deferred.channel == "voice"
    assert deferred.defer_until is not None
    assert deferred.defer_until.astimezone(dt.timezone(dt.timedelta(hours=-5))).hour >= 8


def test_a_wrong_party_address_is_never_used_again() -> None:
    state = known()
    run(DECIDER, state, reply("wrong number", channel="whatsapp"))
    sent = []
    for n in range(2, 5):
        fx = run(DECIDER, state, account(event_id=f"acct-{n}", due_date=f"2026-10-0{n}"))
        sent += [c.channel for c in fx.contacts]
    assert sent  # new cycles are contacted, on the other channels only
    assert "whatsapp" not in sent


def test_an_unanswered_plan_question_lapses() -> None:
    state = known()
    run(DECIDER, state, reply("can I pay in installments?"))
    later = NOON_UTC + dt.timedelta(hours=25)  # context_hours = 24
    fx = run(DECIDER, state, reply("1", 2), later)
    assert fx.contacts[0].template == "assistant_help_v1_en"
    assert state.promise_until is None
    assert state.conversation is None


def test_a_dispute_labelled_upstream_is_not_answered_but_goes_to_a_person() -> None:
    state = known()
    fx = run(DECIDER, state, reply("(call disposition)", intent="dispute"))
    [task] = fx.tasks
    assert task.kind is TaskKind.DISPUTE
    assert task.reason == "event.dispute"
    assert fx.contacts == []
    assert run(DECIDER, state, reply("(again)", 2, intent="dispute")).tasks == []


def test_a_kept_promise_is_thanked_on_the_channel_it_came_from_and_counted() -> None:
    state = known()
    run(DECIDER, state, reply("I'll pay $50 on Friday", channel="whatsapp"))
    assert run(DECIDER, state, payment(2_000, 1)).contacts == []  # partial: no thanks yet
    fx = run(DECIDER, state, payment(3_000, 2))
    [command] = fx.contacts
    assert (command.channel, command.template) == ("whatsapp", "assistant_promise_kept_v1_en")
    assert "you kept your promise" in answer(fx)
    assert "$70.00" in answer(fx)  # $120.00 - $50.00, after the payment
    [decision] = [d for d in fx.decisions if d.action is Action.CONTACT]
    rules = [r.rule_id for r in decision.reasons]
    assert rules[0] == "assistant.promise_kept"
    assert "caps.consumer_initiated" not in rules  # the collector starts it


def test_a_promise_kept_at_night_is_thanked_at_the_windows_opening() -> None:
    state = known()
    run(DECIDER, state, reply("I'll pay $50 on Friday"))
    fx = run(DECIDER, state, payment(5_000, 1, NIGHT_UTC), NIGHT_UTC)
    assert fx.contacts == []
    [held] = [d for d in fx.decisions if d.action is Action.DEFER]
    assert held.reasons[0].rule_id == "assistant.promise_kept"
    assert held.contact_id is not None
    assert held.defer_until is not None
    release = Release(
        event_id="rel-1",
        tenant_id="acme",
        debtor_id="d1",
        item_id=held.contact_id,
        kind="contact",
        due_at=held.defer_until,
        released_at=held.defer_until,
    )
    fx = run(DECIDER, state, release, held.defer_until)
    assert fx.contacts[0].template == "assistant_promise_kept_v1_en"


def test_an_opt_out_inside_a_longer_reply_wins_and_nothing_is_answered() -> None:
    assert answer(run(DECIDER, known(), reply("I already paid")))  # without STOP: answered
    state = known()
    fx = run(DECIDER, state, reply("I already paid. STOP"))
    assert fx.contacts == []
    [decision] = [d for d in fx.decisions if d.action is Action.SUPPRESS]
    assert [(r.rule_id, r.params) for r in decision.reasons] == [
        ("suppress.opt_out", {"channel": "sms", "source": "rules"}),
        ("opt_out.no_confirmation", {"kind": "policy"}),  # no confirmation: policy
    ]
    point = state.point(Channel.SMS)
    assert point is not None
    assert point.out
    fx = run(DECIDER, state, account(event_id="acct-2", due_date="2026-11-28", days_past_due=1))
    assert [c.channel for c in fx.contacts] == ["email"], "sms, the step's first, is opted out"


def test_stop_all_inside_a_longer_reply_stops_the_next_cadence_step_everywhere() -> None:
    state = known()
    assert run(DECIDER, state, reply("I already told you: STOP ALL")).contacts == []
    assert state.opt_all
    fx = run(DECIDER, state, account(event_id="acct-2", due_date="2026-11-28", days_past_due=1))
    assert fx.contacts == []
    assert [r.rule_id for d in fx.decisions for r in d.reasons] == ["suppress.opt_out"]


def test_after_an_opt_out_a_kept_promise_is_not_thanked_on_that_channel() -> None:
    state = known()
    run(DECIDER, state, reply("I'll pay $120 on Friday"))
    run(DECIDER, state, reply("Ya pagué. BAJA", 2))
    fx = run(DECIDER, state, payment(12_000))
    assert fx.contacts == []
    assert "suppress.opt_out" in {r.rule_id for d in fx.decisions for r in d.reasons}


def test_a_dispute_said_with_an_opt_out_is_not_lost_to_it() -> None:
    state = known()
    fx = run(DECIDER, state, reply("I don't owe this. STOP"))
    assert fx.contacts == []
    [task] = fx.tasks
    assert task.kind is TaskKind.DISPUTE
    assert "dispute" in state.accounts["a1"].flags
    point = state.point(Channel.SMS)
    assert point is not None
    assert point.out


def test_an_opt_out_in_the_text_wins_over_the_events_label() -> None:
    callback = "callback_request"
    assert run(DECIDER, known(), reply("call me back tomorrow", intent=callback)).contacts
    state = known()
    fx = run(DECIDER, state, reply("call me back tomorrow. STOP", intent=callback))
    assert fx.contacts == []
    point = state.point(Channel.SMS)
    assert point is not None
    assert point.out
