"""A promise made in a reply, a partial payment, then nothing: the debtor is
followed up once, at the promise check after the date, through the real
decision stage, schedule and timer against real Redis, on a simulated clock."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from recaudo.channels.dispatch.ledger import ContactLedger
from recaudo.channels.dispatch.redispatch import Redispatch
from recaudo.contracts.metrics import PipelineMetrics
from recaudo.contracts.schedule import Schedule
from recaudo.contracts.topics import Topics
from recaudo.embedded import Managed
from recaudo.foundation.clock import SimulatedClock
from recaudo.foundation.keys import Keys
from recaudo.rules.caps import CapLedger, PolicyCaps
from recaudo.rules.policy import TenantPolicy, default_policy
from recaudo.streams.decision_stage import DecisionStage, Inbound, Outbound
from recaudo.streams.store import StateStore
from recaudo.streams.tasks import TaskStore
from recaudo.streams.timer import ScheduleTimer
from tests.unit.streams.test_decide_content import decider

pytestmark = pytest.mark.integration
START = dt.datetime(2026, 12, 2, 15, tzinfo=dt.UTC)  # Wednesday, 10:00 in New York
# "Friday" is 4 December; the check runs at noon New York time a day later.
CHECK = dt.datetime(2026, 12, 5, 17, tzinfo=dt.UTC)
DEBTOR = "d-ptp"


class Loop:
    """The decide stage and the schedule timer, fed by hand instead of by the broker."""

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        keys, topics = Keys(prefix), Topics(f"{prefix}-")
        policy = default_policy()

        def policies(_tenant: str) -> TenantPolicy:
            return policy

        self.topics = topics
        self.clock = SimulatedClock(START)
        metrics = PipelineMetrics(CollectorRegistry(), topics, frozenset({"acme"}))
        schedule = Schedule(client, keys, 4)
        self.stage = DecisionStage(
            topics=topics,
            store=StateStore(client, keys, 86_400),
            schedule=schedule,
            ledger=ContactLedger(client, keys, 86_400),
            caps=PolicyCaps(CapLedger(client, keys), policies),
            decider=decider(policy),
            tenants=frozenset({"acme"}),
            metrics=metrics,
            clock=self.clock,
            tasks=TaskStore(client, keys),
        )
        self.timer = ScheduleTimer(
            schedule=schedule,
            redispatch=Redispatch(client, keys, schedule, 86_400),
            topics=topics,
            metrics=metrics,
            clock=self.clock,
            tenants=("acme",),
        )
        self.outputs: list[tuple[dt.datetime, Outbound]] = []
        self._offsets = itertools.count()

    async def feed(self, topic: str, values: list[bytes]) -> None:
        records = [
            Inbound(topic, 0, next(self._offsets), DEBTOR.encode(), v, self.clock.now().timestamp())
            for v in values
        ]
        prepared = await self.stage.prepare(records)
        self.outputs += [(self.clock.now(), out) for out in prepared.outputs]
        await self.stage.commit(prepared)

    async def send(self, topic: str, event: dict[str, Any]) -> None:
        base = {"tenant_id": "acme", "debtor_id": DEBTOR, "occurred_at": self.clock.now()}
        await self.feed(topic, [orjson.dumps({**base, **event})])

    async def tick(self) -> None:
        released = await self.timer.claim()
        await self.feed(self.topics.releases, [out.value for out in released.outputs])
        await self.timer.settle(released)

    def records(self, topic: str) -> list[tuple[dt.datetime, dict[str, Any]]]:
        return [(at, orjson.loads(o.value)) for at, o in self.outputs if o.topic == topic]


@pytest.fixture
async def loop(redis_server: Managed, unique: str) -> AsyncIterator[Loop]:
    client = aioredis.Redis.from_url(redis_server.url)
    yield Loop(client, unique)
    async for key in client.scan_iter(match=f"{unique}:*", count=1000):
        await client.delete(key)
    await client.aclose()


ACCOUNT: dict[str, Any] = {
    "type": "account",
    "event_id": "acct-1",
    "account_id": "a1",
    "balance": {"amount_minor": 60_000, "currency": "USD"},
    "amount_due": {"amount_minor": 12_000, "currency": "USD"},
    "due_date": "2026-11-11",
    "days_past_due": 21,
    "status": "delinquent",
    "product": "card",
    "jurisdiction": "US",
    "timezone": "America/New_York",
    "language": "en",
    "contact_points": [{"channel": "sms", "address": "+12125550100", "consent": True}],
    "debtor_name": "Ana",
}


async def test_a_partly_paid_promise_is_followed_up_once_on_time(loop: Loop) -> None:
    topics = loop.topics
    await loop.send(topics.accounts, ACCOUNT)
    reply = {"type": "response", "event_id": "in-1", "channel": "sms"}
    await loop.send(topics.responses, {**reply, "text": "I'll pay $50 on Friday"})
    [(_, answer)] = [
        (at, c) for at, c in loop.records(topics.contacts) if c["trigger_event_id"] == "in-1"
    ]
    assert "promise to pay $50.00 on December 4, 2026" in answer["content"]["text"]

    loop.clock.advance_to(START + dt.timedelta(days=1))
    payment = {
        "type": "payment",
        "event_id": "pay-1",
        "payment_id": "p1",
        "account_id": "a1",
        "amount": {"amount_minor": 2_000, "currency": "USD"},
        "method": "card",
        "paid_at": loop.clock.now(),
    }
    await loop.send(topics.payments, payment)

    at = START + dt.timedelta(days=1)
    while at < START + dt.timedelta(days=8):
        at += dt.timedelta(minutes=30)
        loop.clock.advance_to(at)
        await loop.tick()

    followed = [
        (decided, c)
        for decided, c in loop.records(topics.contacts)
        if c["trigger_event_id"].startswith("release-")
    ]
    assert len(followed) == 1, followed
    decided, contact = followed[0]
    assert CHECK <= decided <= CHECK + dt.timedelta(minutes=30)
    assert contact["channel"] == "sms"
    # Audited: the follow-up has its decision, made on the release of the promise check.
    decisions = [d for _, d in loop.records(topics.decisions)]
    [audit] = [d for d in decisions if d.get("contact_id") == contact["contact_id"]]
    assert audit["action"] == "contact"
    assert audit["trigger_type"] == "release"
