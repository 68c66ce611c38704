"""The event types a CRM can subscribe to, read off the records the worker already writes.

Nothing here invents a fact: each type is a record on a topic (a delivery
receipt, a decision, a task, a payment, a reply) seen from the lender's side.
``source_id`` names the fact, not the record, so a fact recorded twice (a
deferred reply decided again, a topic re-read after a crash) is one event.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from recaudo.contracts.topics import BASE_NAMES


class EventType(StrEnum):
    CONTACT_SENT = "contact.sent"
    CONTACT_DELIVERED = "contact.delivered"
    CONTACT_FAILED = "contact.failed"
    DECISION_SUPPRESSED = "decision.suppressed"
    DECISION_CANCELLED = "decision.cancelled"
    TASK_OPENED = "task.opened"
    TASK_CLAIMED = "task.claimed"
    TASK_CLOSED = "task.closed"
    PROMISE_MADE = "promise.made"
    PROMISE_KEPT = "promise.kept"
    PROMISE_BROKEN = "promise.broken"
    PLAN_OFFERED = "plan.offered"
    PLAN_ACCEPTED = "plan.accepted"
    PLAN_MISSED = "plan.missed"
    OPT_OUT = "debtor.opted_out"
    DISPUTE = "debtor.disputed"
    PAYMENT_LINK_CLICKED = "payment_link.clicked"
    PAYMENT_APPLIED = "payment.applied"


#: The topics (base names) the fan-out reads.
SOURCE_TOPICS = (
    BASE_NAMES.decisions,
    BASE_NAMES.tasks,
    BASE_NAMES.deliveries,
    BASE_NAMES.payments,
    BASE_NAMES.responses,
)
FAILED = frozenset({"failed", "undelivered", "bounced"})


@dataclass(frozen=True, slots=True)
class OutboundEvent:
    type: EventType
    source_id: str
    tenant_id: str
    debtor_id: str
    occurred_at: str
    data: dict[str, Any]


def events_of(topic: str, record: dict[str, Any]) -> list[OutboundEvent]:
    """The webhook events one record of ``topic`` (a base name) stands for."""
    tenant, debtor = record.get("tenant_id"), record.get("debtor_id")
    if not isinstance(tenant, str) or not isinstance(debtor, str):
        return []
    found = _FROM[topic](record) if topic in _FROM else []
    at = str(record.get("occurred_at") or record.get("decided_at") or record.get("opened_at"))
    return [OutboundEvent(t, sid, tenant, debtor, at, record) for t, sid in found]


Found = list[tuple[EventType, str]]


def _deliveries(r: dict[str, Any]) -> Found:
    status, eid = r.get("status"), str(r.get("event_id"))
    if status == "clicked" and r.get("provider") == "paylink":
        return [(EventType.PAYMENT_LINK_CLICKED, eid)]
    if status == "sent":
        return [(EventType.CONTACT_SENT, eid)]
    if status == "delivered":
        return [(EventType.CONTACT_DELIVERED, eid)]
    return [(EventType.CONTACT_FAILED, eid)] if status in FAILED else []


def _payments(r: dict[str, Any]) -> Found:
    # A reversal is not an applied payment; it has no type of its own yet.
    return [] if r.get("reversal_of") else [(EventType.PAYMENT_APPLIED, str(r.get("event_id")))]


def _responses(r: dict[str, Any]) -> Found:
    eid, intent = str(r.get("event_id")), r.get("intent")
    out: Found = []
    if intent == "opt_out":
        out.append((EventType.OPT_OUT, eid))
    if intent == "dispute":
        out.append((EventType.DISPUTE, eid))
    if r.get("promise") is not None:
        out.append((EventType.PROMISE_MADE, eid))
    return out


def _tasks(r: dict[str, Any]) -> Found:
    task, status = str(r.get("task_id")), r.get("status")
    if status == "open" and r.get("claimed_by"):
        return [(EventType.TASK_CLAIMED, f"{task}:claimed")]
    if status == "open":
        return [(EventType.TASK_OPENED, f"{task}:open")]
    return [(EventType.TASK_CLOSED, f"{task}:closed")] if status == "closed" else []


def _decisions(r: dict[str, Any]) -> Found:
    action, did = r.get("action"), str(r.get("decision_id"))
    out: Found = []
    if action == "suppress":
        out.append((EventType.DECISION_SUPPRESSED, did))
    elif action == "cancel":
        out.append((EventType.DECISION_CANCELLED, did))
    for reason in r.get("reasons") or ():
        rule, params = reason.get("rule_id"), reason.get("params") or {}
        if rule == "plan.accepted":
            out.append((EventType.PLAN_ACCEPTED, f"plan:{r.get('trigger_event_id')}"))
        elif rule in ("promise.broken", "plan.missed"):
            out.append((EventType.PROMISE_BROKEN, f"broken:{r.get('trigger_event_id')}"))
            if rule == "plan.missed":
                out.append((EventType.PLAN_MISSED, f"missed:{r.get('trigger_event_id')}"))
        elif rule == "assistant.promise_kept":
            out.append((EventType.PROMISE_KEPT, f"kept:{params.get('payment_id')}"))
        elif (
            rule == "assistant.reply"
            and params.get("reply") == "plan_options"
            and action == "contact"
        ):
            out.append((EventType.PLAN_OFFERED, f"offer:{params.get('in_reply_to')}"))
    return out


_FROM = {
    BASE_NAMES.deliveries: _deliveries,
    BASE_NAMES.payments: _payments,
    BASE_NAMES.responses: _responses,
    BASE_NAMES.tasks: _tasks,
    BASE_NAMES.decisions: _decisions,
}
