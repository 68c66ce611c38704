"""The error policy of the stream boundary, in one place.

Invalid input never reaches here: it becomes a dead letter in the decision
stage. What reaches here is infrastructure failing (Redis down, broker not
acking). The batch is then retried with capped, jittered exponential backoff
(half of each delay random, so workers that failed together do not retry in
step), holding its partitions, because acking it would lose decisions. On shutdown the batch
in hand is finished before the stream may ack it; if it cannot finish in the
grace period the process exits without acking, and the batch is replayed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections.abc import Awaitable, Callable

import redis.exceptions
from aiokafka.errors import KafkaError

from recaudo.contracts.metrics import PipelineMetrics
from recaudo.foundation.errors import StateLost

log = logging.getLogger(__name__)

RETRYABLE: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
    # Redis Cluster resharding or failing over: the client re-reads the slot
    # map, so a retry of the batch lands on the new owner.
    redis.exceptions.ClusterDownError,
    redis.exceptions.TryAgainError,
    redis.exceptions.AskError,
    redis.exceptions.SlotNotCoveredError,
    # Redis came back empty: wait (one warning per retry) for rebuild-state.
    StateLost,
    KafkaError,
    ConnectionError,
    TimeoutError,
)
EXIT_UNFINISHED_BATCH = 75


async def with_retries(
    stage: str,
    attempt: Callable[[], Awaitable[None]],
    metrics: PipelineMetrics,
    max_delay_s: float = 10.0,
    rng: Callable[[], float] = random.random,
) -> None:
    delay = 0.1
    while True:
        try:
            await attempt()
            return
        except RETRYABLE as exc:
            metrics.batch_errors.labels(stage).inc()
            wait = delay * (0.5 + rng() / 2)
            log.warning("%s failed (%r); retrying in %.2f s", stage, exc, wait)
            await asyncio.sleep(wait)
            delay = min(max_delay_s, delay * 2)


async def finish_before_ack(work: Awaitable[None], grace_s: float) -> None:
    """Run ``work``; if cancelled meanwhile, let it finish first, or exit un-acked."""
    task = asyncio.ensure_future(work)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        try:
            await asyncio.wait_for(task, grace_s)
        except (TimeoutError, asyncio.CancelledError):
            log.critical("batch unfinished at shutdown; exiting so it is replayed, not acked")
            os._exit(EXIT_UNFINISHED_BATCH)
        raise
