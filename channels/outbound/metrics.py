"""Outbound webhook health for Prometheus: deliveries by outcome, latency, breakers.

Labelled by tenant and endpoint (a tenant has a handful), so the alert names
the endpoint that fails. Breaker state is read when scraped, never cached.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from recaudo.channels.breaker import Breakers, BreakerState

OUTCOMES = ("delivered", "failed", "dead_lettered", "refused", "breaker_open")
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)


class EndpointBreakers(Collector):
    """``recaudo_webhook_breaker_open{endpoint}``: 1 while an endpoint is skipped."""

    def __init__(self, breakers: Breakers) -> None:
        self._breakers = breakers

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "recaudo_webhook_breaker_open",
            "1 while the endpoint's circuit is open or half-open (sends wait), else 0.",
            labels=["endpoint"],
        )
        for name, state in sorted(self._breakers.states()):
            family.add_metric([name], 0.0 if state is BreakerState.CLOSED else 1.0)
        yield family


class OutboundMetrics:
    def __init__(self, registry: CollectorRegistry, breakers: Breakers) -> None:
        self.deliveries = Counter(
            "recaudo_webhook_deliveries_total",
            "Outbound webhook attempts by outcome (each retry counts).",
            ["tenant", "endpoint", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "recaudo_webhook_delivery_seconds",
            "Time of one webhook request to an endpoint, answered or failed.",
            buckets=BUCKETS,
            registry=registry,
        )
        registry.register(EndpointBreakers(breakers))

    def seen(self, tenant: str, endpoint: str) -> None:
        """Series at 0 from the first message, so ``increase()`` sees the first failure."""
        for outcome in OUTCOMES:
            self.deliveries.labels(tenant, endpoint, outcome)

    def attempt(self, tenant: str, endpoint: str, outcome: str, seconds: float | None) -> None:
        self.deliveries.labels(tenant, endpoint, outcome).inc()
        if seconds is not None:
            self.latency.observe(seconds)
