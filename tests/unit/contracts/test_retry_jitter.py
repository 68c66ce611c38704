"""Batch retries back off with jitter, so workers that failed together spread out."""

from __future__ import annotations

import pytest
import redis.exceptions
from prometheus_client import CollectorRegistry

from recaudo.contracts import resilience
from recaudo.contracts.metrics import PipelineMetrics


async def test_retry_delays_are_jittered_and_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    monkeypatch.setattr(resilience.asyncio, "sleep", record)
    failures = iter(range(6))

    async def attempt() -> None:
        if next(failures, None) is not None:
            raise redis.exceptions.ConnectionError("down")

    draws = iter([0.0, 1.0, 0.5, 0.0, 1.0, 0.25])
    metrics = PipelineMetrics(CollectorRegistry())
    await resilience.with_retries(
        "decide", attempt, metrics, max_delay_s=1.0, rng=lambda: next(draws)
    )
    assert waits == pytest.approx([0.05, 0.2, 0.3, 0.4, 1.0, 0.625])
