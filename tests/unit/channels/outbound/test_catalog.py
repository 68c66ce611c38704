"""Which webhook events each worker record stands for: every subscribable type is
read off some record, and a fact recorded twice names the same source."""

from __future__ import annotations

from typing import Any

from recaudo.channels.outbound.catalog import EventType, events_of

BASE = {"tenant_id": "acme", "debtor_id": "d-1", "occurred_at": "2026-12-01T10:00:00Z"}


def types(topic: str, **record: Any) -> list[tuple[str, str]]:
    return [(str(e.type), e.source_id) for e in events_of(topic, {**BASE, **record})]


def decision(rule: str, action: str = "suppress", **params: Any) -> dict[str, Any]:
    reason = {"rule_id": rule, "params": params}
    return {"decision_id": "dc-1", "action": action, "trigger_event_id": "t-9", "reasons": [reason]}


def test_a_task_is_opened_then_claimed_then_closed() -> None:
    assert types("tasks", task_id="tk", status="open") == [("task.opened", "tk:open")]
    claimed = types("tasks", task_id="tk", status="open", claimed_by="agent-7")
    assert claimed == [("task.claimed", "tk:claimed")]
    assert types("tasks", task_id="tk", status="closed", claimed_by="agent-7") == [
        ("task.closed", "tk:closed")
    ]


def test_a_missed_instalment_is_a_broken_promise_and_a_missed_plan() -> None:
    missed = types("decisions", **decision("plan.missed", due_on="2026-12-01", instalments_left=2))
    # Every record of "no contact" is also a suppressed decision, with its reason.
    assert missed == [
        ("decision.suppressed", "dc-1"),
        ("promise.broken", "broken:t-9"),
        ("plan.missed", "missed:t-9"),
    ]
    broken = types("decisions", **decision("promise.broken", instalments_left=0))
    assert broken == [("decision.suppressed", "dc-1"), ("promise.broken", "broken:t-9")]


def test_the_follow_up_of_a_broken_promise_is_not_a_second_broken_promise() -> None:
    follow_up = {"decision_id": "dc-2", "action": "contact", "trigger_type": "broken_promise"}
    assert types("decisions", trigger_event_id="t-9", reasons=[], **follow_up) == []


def test_every_subscribable_type_is_read_off_some_record() -> None:
    records: list[tuple[str, dict[str, Any]]] = [
        ("deliveries", {"event_id": "e", "status": "sent"}),
        ("deliveries", {"event_id": "e", "status": "delivered"}),
        ("deliveries", {"event_id": "e", "status": "bounced"}),
        ("deliveries", {"event_id": "e", "status": "clicked", "provider": "paylink"}),
        ("decisions", {**decision("x"), "action": "suppress"}),
        ("decisions", {**decision("x"), "action": "cancel"}),
        ("tasks", {"task_id": "t", "status": "open"}),
        ("tasks", {"task_id": "t", "status": "open", "claimed_by": "a"}),
        ("tasks", {"task_id": "t", "status": "closed"}),
        ("responses", {"event_id": "r", "intent": "opt_out"}),
        ("responses", {"event_id": "r", "intent": "dispute", "promise": {"amount": 1}}),
        ("decisions", decision("assistant.promise_kept", payment_id="p")),
        ("decisions", decision("plan.missed", instalments_left=1)),
        ("decisions", decision("plan.accepted")),
        ("decisions", decision("assistant.reply", "contact", reply="plan_options")),
        ("payments", {"event_id": "p"}),
    ]
    seen = {e.type for topic, r in records for e in events_of(topic, {**BASE, **r})}
    assert seen == set(EventType)


def test_a_reversal_is_not_an_applied_payment() -> None:
    assert types("payments", event_id="p2", reversal_of="p1") == []
    assert types("payments", event_id="p1") == [("payment.applied", "p1")]
