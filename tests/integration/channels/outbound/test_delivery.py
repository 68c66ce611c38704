"""Outbound webhooks end to end on the real Redis and a receiver verifying with the library.

Signed per Standard Webhooks, ordered per debtor, once per message after
success, retried with backoff on the simulated clock for 3 days, then
dead-lettered, replayed, and never sent where the SSRF guard says no.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import time
from typing import Any

import pytest
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from recaudo.channels.outbound import EndpointStore, EventType, FanOut, Outbox, UrlGuard
from recaudo.channels.outbound.delivery import DeliveryLoop, endpoint_breakers
from recaudo.channels.outbound.endpoints import Endpoint
from recaudo.channels.outbound.metrics import OutboundMetrics
from recaudo.foundation.clock import SimulatedClock
from recaudo.foundation.errors import UnsafeUrl
from recaudo.foundation.keys import Keys
from tests.integration.channels.outbound.receiver import Receiver, serving

pytestmark = pytest.mark.integration
START = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
LOOPBACK_OK = UrlGuard(allow_http=True, allow_private=True)


class Parts:
    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self.keys = Keys(prefix)
        self.clock = SimulatedClock(START)
        self.endpoints = EndpointStore(client, self.keys)
        self.outbox = Outbox(client, self.keys)
        self.fanout = FanOut(self.endpoints, self.outbox, self.clock)
        self.registry = CollectorRegistry()
        self.client = client

    def loop(self, guard: UrlGuard = LOOPBACK_OK) -> DeliveryLoop:
        breakers = endpoint_breakers(self.clock)
        return DeliveryLoop(
            self.endpoints,
            self.outbox,
            guard=guard,
            clock=self.clock,
            breakers=breakers,
            metrics=OutboundMetrics(CollectorRegistry(), breakers),
            timeout_s=2.0,
        )

    async def endpoint(self, url: str, types: list[EventType] | None = None) -> Endpoint:
        await LOOPBACK_OK.check(url)
        return await self.endpoints.create(
            "acme", url, types or list(EventType), None, self.clock.now()
        )

    async def next_due(self) -> float | None:
        due = await self.client.zrange(self.keys.global_("wh:due"), 0, 0, withscores=True)
        return float(due[0][1]) if due else None


@pytest.fixture
async def parts(redis: aioredis.Redis, unique: str) -> Parts:
    return Parts(redis, unique)


def delivery(debtor: str, n: int, status: str = "delivered") -> tuple[str, bytes]:
    record: dict[str, Any] = {
        "type": "delivery",
        "event_id": f"dl-{debtor}-{n}",
        "tenant_id": "acme",
        "debtor_id": debtor,
        "occurred_at": (START + dt.timedelta(minutes=n)).isoformat(),
        "contact_id": f"c-{debtor}-{n}",
        "provider": "twilio",
        "channel": "sms",
        "status": status,
    }
    import orjson

    return "deliveries", orjson.dumps(record)


async def drain(loop: DeliveryLoop, rounds: int = 50) -> None:
    for _ in range(rounds):
        if not await loop.run_once():
            return


async def test_signed_ordered_per_debtor_and_sent_once(parts: Parts) -> None:
    async with serving(Receiver(secrets=[])) as receiver:
        endpoint = await parts.endpoint(receiver.url)
        receiver.secrets = endpoint.secrets
        records = [delivery(d, n) for n in range(5) for d in ("d-1", "d-2", "d-3")]
        assert await parts.fanout.handle(records) == 15
        # The topic read again (a crash before the commit): nothing queued twice.
        assert await parts.fanout.handle(records) == 0
        loop = parts.loop()
        await drain(loop)
        await drain(loop)
        await loop.close()
    assert receiver.unverified == 0
    assert len(receiver.ids()) == 15 == len(set(receiver.ids()))
    for debtor in ("d-1", "d-2", "d-3"):
        seen = [
            b["data"]["event_id"] for _, b in receiver.received if b["data"]["debtor_id"] == debtor
        ]
        assert seen == [f"dl-{debtor}-{n}" for n in range(5)]
    first = receiver.received[0][1]
    assert first["type"] == "contact.delivered"
    log = await parts.outbox.deliveries("acme", endpoint.endpoint_id, 100)
    assert len(log) == 15
    assert {r.outcome for r in log} == {"delivered"}
    assert all(r.status_code == 200 and r.latency_ms is not None for r in log)


async def test_unsubscribed_types_are_not_queued(parts: Parts) -> None:
    await parts.endpoint("http://127.0.0.1:9/hook", [EventType.CONTACT_FAILED])
    assert await parts.fanout.handle([delivery("d-1", 1, "delivered")]) == 0
    assert await parts.fanout.handle([delivery("d-1", 2, "bounced")]) == 1


async def test_a_500_is_retried_for_three_days_then_dead_lettered_and_replayed(
    parts: Parts,
) -> None:
    async with serving(Receiver(secrets=[], status=500)) as receiver:
        endpoint = await parts.endpoint(receiver.url)
        receiver.secrets = endpoint.secrets
        await parts.fanout.handle([delivery("d-1", 1), delivery("d-1", 2)])
        loop = parts.loop()
        attempts: list[float] = []
        while (due := await parts.next_due()) is not None and len(attempts) < 200:
            parts.clock.advance_to(dt.datetime.fromtimestamp(due + 0.001, dt.UTC))
            before = receiver.hits
            await loop.run_once()
            if receiver.hits > before:
                attempts.append(parts.clock.now().timestamp())
            if await parts.outbox.dead_count("acme", endpoint.endpoint_id):
                break
        # The first message alone, until its dead letter: the second waited its turn.
        first_attempt, last_attempt = attempts[0], attempts[-1]
        assert last_attempt - first_attempt >= 3 * 24 * 3600
        gaps = [b - a for a, b in itertools.pairwise(attempts)]
        assert gaps[1] > gaps[0]
        assert max(gaps) > 3600
        log = await parts.outbox.deliveries("acme", endpoint.endpoint_id, 100)
        assert log[0].outcome == "dead_lettered"
        assert {r.msg_id for r in log} == {log[0].msg_id}
        assert receiver.received == []
        # The endpoint recovers: the second message goes, then the replayed first.
        receiver.status = 200
        parts.clock.advance_to(parts.clock.now() + dt.timedelta(hours=1))
        await drain(loop)
        assert [b["data"]["event_id"] for _, b in receiver.received] == ["dl-d-1-2"]
        replayed = await parts.outbox.replay(endpoint, parts.clock.now().timestamp())
        assert replayed == 1
        await drain(loop)
        await loop.close()
    assert [b["data"]["event_id"] for _, b in receiver.received] == ["dl-d-1-2", "dl-d-1-1"]
    assert receiver.ids()[1] == log[0].msg_id  # the same webhook-id: receivers dedupe on it
    assert receiver.unverified == 0


async def test_rotation_signs_with_both_live_secrets(parts: Parts) -> None:
    async with serving(Receiver(secrets=[])) as old_side, serving(Receiver(secrets=[])) as new_side:
        endpoint = await parts.endpoint(old_side.url)
        old_side.secrets = endpoint.secrets[:1]
        rotated = await parts.endpoints.rotate(
            "acme", endpoint.endpoint_id, parts.clock.now(), dt.timedelta(hours=24)
        )
        assert rotated is not None
        new_side.secrets = rotated.secrets[:1]
        await parts.fanout.handle([delivery("d-1", 1)])
        loop = parts.loop()
        await drain(loop)
        # The same message, to a receiver that only knows the new secret.
        await parts.client.hset(
            parts.keys.tenant("acme", "wh:endpoints"),
            endpoint.endpoint_id,
            rotated.model_copy(update={"url": new_side.url}).model_dump_json(),
        )
        await parts.outbox.replay(rotated, parts.clock.now().timestamp(), delivered_too=True)
        await drain(loop)
        # After the overlap only the new secret signs.
        parts.clock.advance_to(parts.clock.now() + dt.timedelta(hours=25))
        assert rotated.live_secrets(parts.clock.now()) == rotated.secrets[:1]
        await loop.close()
    assert len(old_side.received) == 1
    assert len(new_side.received) == 1
    assert old_side.unverified == new_side.unverified == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.1/hook",
        "https://localhost/hook",
        "https://[::1]/hook",
        "http://example.com/hook",
        # Malformed: each once raised ValueError or UnicodeError (a 500 at registration).
        "https://[::1/x",
        "https://example.com:99999/x",
        "https://example.com:abc/x",
        "https://.com/",
        "https://a..b/",
        f"https://{'a' * 70}.com/",
        f"https://{'ä' * 70}.com/",
    ],
)
async def test_ssrf_refused_at_registration(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        await UrlGuard().check(url)


async def test_ssrf_checked_again_at_delivery(parts: Parts) -> None:
    """Registered while allowed (or DNS said otherwise): the loop refuses at send time."""
    async with serving(Receiver(secrets=[])) as receiver:
        for url in (receiver.url, receiver.url.replace("127.0.0.1", "localhost")):
            endpoint = await parts.endpoint(url)
            await parts.fanout.handle([delivery(f"d-{url[-20:]}", 1)])
            loop = parts.loop(UrlGuard(allow_http=True))
            await loop.run_once()
            await loop.close()
            log = await parts.outbox.deliveries("acme", endpoint.endpoint_id, 10)
            assert [r.outcome for r in log] == ["refused"]
            await parts.endpoints.delete("acme", endpoint.endpoint_id)
    assert receiver.hits == 0


async def test_a_slow_endpoint_never_slows_the_fan_out(parts: Parts) -> None:
    """The stream side only writes to Redis; the slow endpoint costs the loop's time."""
    async with serving(Receiver(secrets=[], delay_s=1.5)) as receiver:
        endpoint = await parts.endpoint(receiver.url)
        receiver.secrets = endpoint.secrets
        loop = parts.loop()
        delivering = asyncio.create_task(loop.run(tick_s=0.05))
        await parts.fanout.handle([delivery("d-1", 0)])
        await asyncio.sleep(0.2)  # the loop is now waiting on the slow endpoint
        started = time.monotonic()
        queued = await parts.fanout.handle([delivery("d-1", n) for n in range(1, 50)])
        assert queued == 49
        assert time.monotonic() - started < 1.0
        delivering.cancel()
        with pytest.raises(asyncio.CancelledError):
            await delivering
