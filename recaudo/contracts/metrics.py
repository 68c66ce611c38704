"""Prometheus metrics of the pipeline; built on a registry that is passed in.

Every series whose labels are known in advance is created at 0 when the
metrics are built: a counter born at 1 is invisible to ``increase()``, so the
first dead letter would never alert.

The per-event counters are incremented through ``event``, ``decided`` and
``dispatch``: ``labels()`` checks, converts and joins the label values under a
lock on every call (a few µs, several times per event), so each labelled child
is looked up once and kept. Label values here are bounded (topics, tenants,
actions, rule ids), and the metric keeps every child anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import Action
from recaudo.contracts.topics import Topics

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)
EVENT_OUTCOMES = ("processed", "duplicate", "dead_letter", "no_effect", "stale", "held")
ERROR_TYPES = ("InvalidEvent", "UnknownTenant", "DecisionError")
STAGES = ("decide", "dispatch", "schedule")
RELEASE_KINDS = ("contact", "promise", "dispatch", "held")
DISPATCH_OUTCOMES = ("sent", "failed", "expired", "provider_unavailable", "not_due")
# Upper edges (seconds overdue) of the schedule backlog buckets; "not_due" is the future.
OVERDUE_EDGES: tuple[tuple[str, float], ...] = (
    ("0-1m", 60.0),
    ("1m-10m", 600.0),
    ("10m-1h", 3600.0),
    ("over_1h", float("inf")),
)


class PipelineMetrics:
    def __init__(
        self,
        registry: CollectorRegistry,
        topics: Topics | None = None,
        tenants: frozenset[str] = frozenset(),
    ) -> None:
        self.registry = registry
        self.events = Counter(
            "recaudo_events_total",
            "Input events consumed, by topic and outcome (processed, duplicate, dead_letter).",
            ["topic", "outcome"],
            registry=registry,
        )
        self.decisions = Counter(
            "recaudo_decisions_total",
            "Decisions made, by tenant and action: one per decision.",
            ["tenant", "action"],
            registry=registry,
        )
        self.reasons = Counter(
            "recaudo_decision_reasons_total",
            "Rule ids among decisions' reasons: a decision with three reasons counts three.",
            ["tenant", "action", "reason"],
            registry=registry,
        )
        self.latency = Histogram(
            "recaudo_decision_latency_seconds",
            "From the trigger event's broker timestamp to its decision.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.dead_letters = Counter(
            "recaudo_dead_letters_total",
            "Inputs sent to the dead-letter topic, by source topic and error type.",
            ["topic", "error_type"],
            registry=registry,
        )
        self.batch_errors = Counter(
            "recaudo_batch_retries_total",
            "Batches retried after a Redis or broker failure, by stage.",
            ["stage"],
            registry=registry,
        )
        self.released = Counter(
            "recaudo_schedule_released_total",
            "Scheduled items released by the timer, by kind.",
            ["kind"],
            registry=registry,
        )
        self.scheduled = Gauge(
            "recaudo_schedule_size",
            "Items waiting in the Redis schedule (deferred contacts, promise checks).",
            registry=registry,
        )
        self.overdue = Gauge(
            "recaudo_schedule_overdue_items",
            "Schedule items by how far past due they are (not_due: still in the future).",
            ["overdue"],
            registry=registry,
        )
        self.dispatched = Counter(
            "recaudo_contacts_dispatched_total",
            "Contact commands handled by the dispatcher, by channel and outcome.",
            ["channel", "outcome"],
            registry=registry,
        )
        self._children: dict[tuple[Any, ...], Counter] = {}
        self._prime(topics or Topics(), tenants)

    def _child(self, metric: Counter, *values: str) -> Counter:
        key = (id(metric), *values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return child

    def event(self, topic: str, outcome: str) -> None:
        """One input event consumed with ``outcome`` (``EVENT_OUTCOMES``)."""
        self._child(self.events, topic, outcome).inc()

    def dispatch(self, channel: str, outcome: str) -> None:
        """One contact command handled by the dispatcher (``DISPATCH_OUTCOMES``)."""
        self._child(self.dispatched, channel, outcome).inc()

    def decided(self, tenant: str, action: str, rule_ids: Iterable[str]) -> None:
        """One decision made, and each rule id among its reasons."""
        self._child(self.decisions, tenant, action).inc()
        for rule_id in rule_ids:
            self._child(self.reasons, tenant, action, rule_id).inc()

    def _prime(self, topics: Topics, tenants: frozenset[str]) -> None:
        for tenant in tenants:
            for action in Action:
                self.decisions.labels(tenant, action.value)
        for topic in topics.decision_inputs:
            for outcome in EVENT_OUTCOMES:
                self.events.labels(topic, outcome)
        for topic in (*topics.decision_inputs, topics.contacts):
            for error_type in ERROR_TYPES:
                self.dead_letters.labels(topic, error_type)
        for stage in STAGES:
            self.batch_errors.labels(stage)
        for kind in RELEASE_KINDS:
            self.released.labels(kind)
        for channel in Channel:
            for outcome in DISPATCH_OUTCOMES:
                self.dispatched.labels(channel.value, outcome)
        for bucket in ("not_due", *(name for name, _ in OVERDUE_EDGES)):
            self.overdue.labels(bucket)
