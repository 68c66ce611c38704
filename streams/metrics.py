"""Prometheus metrics of the pipeline; built on a registry that is passed in."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)


class PipelineMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.events = Counter(
            "recaudo_events_total",
            "Input events consumed, by topic and outcome (processed, duplicate, dead_letter).",
            ["topic", "outcome"],
            registry=registry,
        )
        self.decisions = Counter(
            "recaudo_decisions_total",
            "Decisions made, by action and by each rule id among their reasons.",
            ["action", "reason"],
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
        self.dispatched = Counter(
            "recaudo_contacts_dispatched_total",
            "Contact commands handled by the dispatcher, by channel and outcome.",
            ["channel", "outcome"],
            registry=registry,
        )
