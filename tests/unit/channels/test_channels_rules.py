"""Opt-out rules, the status machine, de-duplication, breaker and rate limit."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from recaudo.channels.breaker import BreakerState, CircuitBreaker
from recaudo.channels.dedupe import Deduper
from recaudo.channels.directory import normalise_address
from recaudo.channels.opt_out import detect_opt_out, detect_opt_out_all
from recaudo.channels.ratelimit import Rate, RateLimiter
from recaudo.channels.status_machine import NOT_ADVANCED, StatusMachine
from recaudo.foundation.keys import Keys
from recaudo.streams.events import Channel, DeliveryStatus

OPT_OUTS = [
    ("STOP", None), ("stop", "es"), ("Stop.", "en"), ("BAJA", "es"), ("baja", None),
    ("CANCELAR", "es"), ("ALTO", "es"), ("UNSUBSCRIBE", "en"), ("PARAR", "pt"), ("SAIR", "pt"),
    ("Sair", None),
    ("STOPALL", None), ("stop texting me please", "en"), ("Por favor no me llamen más", "es"),
    ("Dejen de escribirme", None), ("quiero darme de baja", "es"),
    ("Não quero receber mensagens", "pt"),
    ("  ¡BAJA!  ", "es"), ("STOP", "pt-BR"), ("remove me from your list", "es"),
]  # fmt: skip
NOT_OPT_OUTS = [
    ("Pagaré el viernes", "es"), ("cancelar la deuda hoy", "es"), ("I can pay 50 next week", "en"),
    ("¿Cuánto debo?", "es"), ("Ok", None), ("", None), ("Vou pagar amanhã", "pt"), ("no", "es"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "language"), OPT_OUTS)
def test_opt_out_words(text: str, language: str | None) -> None:
    assert detect_opt_out(text, language)


@pytest.mark.parametrize(("text", "language"), NOT_OPT_OUTS)
def test_not_opt_out(text: str, language: str | None) -> None:
    assert not detect_opt_out(text, language)


def test_opt_out_all_scope() -> None:
    assert detect_opt_out_all("STOP ALL")
    assert detect_opt_out_all("baja de todo", "es")
    assert not detect_opt_out_all("STOP")
    assert not detect_opt_out_all("pagaré todo")  # not an opt-out at all


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
    # A publish failure undoes the step, so the provider's retry can advance again.
    await machine.revert("t", "d", "c", S.READ, previous)
    assert await machine.advance("t", "d", "c", S.DELIVERED) == 1
    assert await machine.advance("t", "d", "c", S.UNSUBSCRIBED) == 2


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
