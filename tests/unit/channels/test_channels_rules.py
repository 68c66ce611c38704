"""Addresses, the status machine, de-duplication, breaker and rate limit (the opt-out
rules: ``test_channels_opt_out``)."""

from __future__ import annotations

import redis.asyncio as aioredis

from recaudo.channels.breaker import BreakerState, CircuitBreaker
from recaudo.channels.dedupe import Deduper
from recaudo.channels.directory import normalise_address
from recaudo.channels.ratelimit import Rate, RateLimiter
from recaudo.channels.status_machine import NOT_ADVANCED, StatusMachine
from recaudo.contracts.events import Channel, DeliveryStatus
from recaudo.foundation.keys import Keys


def test_address_normalisation() -> None:
    assert normalise_address(Channel.WHATSAPP, "whatsapp:+34 600-111") == "34600111"
    assert normalise_address(Channel.EMAIL, " Deudor@Example.COM ") == "deudor@example.com"


async def test_status_machine_never_moves_backwards(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    machine = StatusMachine(redis_client, keys, ttl_s=60)
    S = DeliveryStatus
    assert await machine.advance("t", "d", "c", S.SENT) == -1
    assert await machine.advance("t", "d", "c", S.QUEUED) == NOT_ADVANCED
    previous = await machine.advance("t", "d", "c", S.READ)
    assert previous == 1
    assert await machine.advance("t", "d", "c", S.DELIVERED) == NOT_ADVANCED
    assert await machine.advance("t", "d", "c", S.READ) == NOT_ADVANCED
    # A publish failure undoes the step, so the provider's retry can advance again;
    # the delivered answered meanwhile is kept.
    await machine.revert("t", "d", "c", S.READ)
    assert await machine.advance("t", "d", "c", S.DELIVERED) == NOT_ADVANCED
    assert await machine.advance("t", "d", "c", S.READ) == 2
    assert await machine.advance("t", "d", "c", S.UNSUBSCRIBED) == 3


async def test_dedupe_claims_once_and_releases(redis_client: aioredis.Redis, keys: Keys) -> None:
    deduper = Deduper(redis_client, keys, ttl_s=60)
    assert await deduper.claim("wh:x", "ev-1")
    assert not await deduper.claim("wh:x", "ev-1")
    assert await deduper.claim("wh:y", "ev-1")
    assert await redis_client.ttl(deduper.key("wh:x", "ev-1")) > 0
    await deduper.release("wh:x", "ev-1")
    assert await deduper.claim("wh:x", "ev-1")


def test_breaker_opens_half_opens_and_closes() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failure_threshold=2, reset_after_s=10, clock=lambda: now[0])
    breaker.record_failure()
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()
    now[0] = 10
    assert breaker.allow()  # the one trial
    assert not breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    now[0] = 20
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED


async def test_rate_limiter_burst_then_spacing_and_max_wait(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    limiter = RateLimiter(redis_client, keys, {"p": Rate(per_second=2, burst=2)})
    waits = [await limiter.reserve("p", max_wait_s=10) for _ in range(4)]
    assert waits[0] == 0
    assert waits[1] == 0
    assert waits[2] is not None
    assert 0.4 < waits[2] <= 0.5
    assert waits[3] is not None
    assert 0.9 < waits[3] <= 1.0
    assert await limiter.reserve("p", max_wait_s=0.1) is None
    assert await limiter.reserve("unlimited", max_wait_s=0) == 0
