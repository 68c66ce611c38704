"""Provider health as Prometheus sees it: requests by outcome, latency, breakers.

Built by the worker on its registry and handed to the dispatcher; series for
the configured providers exist at 0 from the start so the first failure shows
in ``increase()``. Breaker state is read when scraped, never cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from recaudo.channels.breaker import Breakers, BreakerState

SEND_OUTCOMES = ("accepted", "retryable_error", "refused", "breaker_open", "rate_limited")
SEND_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)


class BreakerCollector(Collector):
    """``recaudo_circuit_breaker_open{provider}``: 1 while a provider is skipped."""

    def __init__(self, breakers: Breakers, providers: Sequence[str]) -> None:
        self._breakers = breakers
        self._providers = tuple(providers)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "recaudo_circuit_breaker_open",
            "1 while the provider's circuit is open or half-open (calls skipped), else 0.",
            labels=["provider"],
        )
        states = dict(self._breakers.states())
        for name in sorted(set(self._providers) | set(states)):
            state = states.get(name, BreakerState.CLOSED)
            family.add_metric([name], 0.0 if state is BreakerState.CLOSED else 1.0)
        yield family


class ProviderMetrics:
    def __init__(
        self, registry: CollectorRegistry, providers: Iterable[str], breakers: Breakers
    ) -> None:
        names = tuple(providers)
        self.requests = Counter(
            "recaudo_provider_requests_total",
            "Send attempts per provider, by outcome (a retried contact counts each try).",
            ["provider", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "recaudo_provider_request_seconds",
            "Time of one send request to a provider, answered or failed.",
            ["provider"],
            buckets=SEND_BUCKETS,
            registry=registry,
        )
        for name in names:
            self.latency.labels(name)
            for outcome in SEND_OUTCOMES:
                self.requests.labels(name, outcome)
        registry.register(BreakerCollector(breakers, names))

    def attempt(self, provider: str, outcome: str, seconds: float | None = None) -> None:
        self.requests.labels(provider, outcome).inc()
        if seconds is not None:
            self.latency.labels(provider).observe(seconds)
