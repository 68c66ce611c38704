"""Series with known labels exist at 0 before the first event, so increase() sees it."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from recaudo.contracts.metrics import PipelineMetrics
from recaudo.contracts.topics import Topics


def test_known_series_are_exported_at_zero_from_the_start() -> None:
    registry = CollectorRegistry()
    PipelineMetrics(registry, Topics("p-"), frozenset({"acme"}))

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert value("recaudo_dead_letters_total", topic="p-accounts", error_type="InvalidEvent") == 0
    assert value("recaudo_dead_letters_total", topic="p-contacts", error_type="InvalidEvent") == 0
    assert value("recaudo_events_total", topic="p-payments", outcome="processed") == 0
    for action in ("contact", "defer", "suppress", "cancel"):
        assert value("recaudo_decisions_total", tenant="acme", action=action) == 0
    assert value("recaudo_batch_retries_total", stage="decide") == 0
    assert value("recaudo_contacts_dispatched_total", channel="sms", outcome="sent") == 0
    assert value("recaudo_schedule_overdue_items", overdue="over_1h") == 0
    assert value("recaudo_decision_latency_seconds_count") == 0


def test_per_event_helpers_count_into_the_labelled_series() -> None:
    """The kept children are the registry's own series: every call counts, in the right one."""
    registry = CollectorRegistry()
    metrics = PipelineMetrics(registry, Topics("p-"), frozenset({"acme"}))
    for _ in range(3):
        metrics.event("p-payments", "processed")
        metrics.decided("acme", "suppress", ["opt_out", "us.reg_f.hours"])
        metrics.dispatch("sms", "sent")
    metrics.event("p-payments", "duplicate")
    metrics.decided("other", "contact", [])

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert value("recaudo_events_total", topic="p-payments", outcome="processed") == 3
    assert value("recaudo_events_total", topic="p-payments", outcome="duplicate") == 1
    assert value("recaudo_decisions_total", tenant="acme", action="suppress") == 3
    assert value("recaudo_decisions_total", tenant="other", action="contact") == 1
    labels = {"tenant": "acme", "action": "suppress"}
    assert value("recaudo_decision_reasons_total", **labels, reason="opt_out") == 3
    assert value("recaudo_decision_reasons_total", **labels, reason="us.reg_f.hours") == 3
    assert value("recaudo_contacts_dispatched_total", channel="sms", outcome="sent") == 3
