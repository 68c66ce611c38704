"""The timeline read back from the decisions topic, in-process against the real broker.

Redis holds where each published decision is; the web reads the records from
tansu. Another debtor's record is never shown, whatever a pointer says, and a
broker that went away is a 503 to retry, not a request held for minutes.
"""

from __future__ import annotations

import time

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer
from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry

from recaudo.contracts.codec import encode
from recaudo.contracts.outputs import Decision
from recaudo.contracts.topics import Topics
from recaudo.embedded import Managed, start_broker
from recaudo.foundation.config import Settings
from recaudo.foundation.kafka import bootstrap_servers
from recaudo.foundation.keys import Keys
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change, StateStore
from recaudo.web import build_web_app
from tests.conftest import SettingsFactory, suppression

pytestmark = pytest.mark.integration
AUTH = {"Authorization": "Bearer key-acme"}


async def publish(settings: Settings, decisions: list[Decision]) -> list[bytes]:
    """The pointer lines the worker would store, oldest first."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers(settings.broker_url))
    await producer.start()
    try:
        topic = Topics(settings.topic_prefix).decisions
        lines = []
        for d in decisions:
            md = await producer.send_and_wait(topic, encode(d), key=d.debtor_id.encode())
            lines.append(b"%d:%d" % (md.partition, md.offset))
        return lines
    finally:
        await producer.stop()


async def store_timeline(settings: Settings, debtor: str, lines: list[bytes]) -> None:
    client = aioredis.Redis.from_url(settings.redis_url)
    store = StateStore(client, Keys(settings.redis_prefix), 3600)
    await store.commit([Change(("acme", debtor), DebtorState(), [f"e-{debtor}"], lines)], 1.0)
    await client.aclose()


async def test_pointers_show_the_debtors_records_from_the_topic(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings()
    async with TestClient(TestServer(build_web_app(settings, CollectorRegistry()))) as client:
        mine = [suppression(1, "tl-1"), suppression(2, "tl-1")]
        lines = await publish(settings, [*mine, suppression(3, "tl-2")])
        # The second debtor's pointer stored under the first: never shown there.
        await store_timeline(settings, "tl-1", [lines[0], lines[2], lines[1]])
        resp = await client.get("/v1/debtors/tl-1/timeline", headers=AUTH)
        assert resp.status == 200
        shown = (await resp.json())["decisions"]
        assert [d["decision_id"] for d in shown] == ["dec-tl-1-2", "dec-tl-1-1"]
        assert [Decision.model_validate(d) for d in shown] == mine[::-1]
        other = await client.get(
            "/v1/debtors/tl-1/timeline", headers={"Authorization": "Bearer key-globex"}
        )
        assert (await other.json())["decisions"] == []


async def test_a_broker_gone_away_is_a_503_soon(make_settings: SettingsFactory) -> None:
    own: Managed = start_broker()
    try:
        settings = make_settings().model_copy(update={"broker_url": own.url})
        app = build_web_app(settings, CollectorRegistry())
        async with TestClient(TestServer(app)) as client:
            lines = await publish(settings, [suppression(1, "tl-3")])
            await store_timeline(settings, "tl-3", lines)
            assert (await client.get("/v1/debtors/tl-3/timeline", headers=AUTH)).status == 200
            own.stop()
            started = time.monotonic()
            resp = await client.get("/v1/debtors/tl-3/timeline", headers=AUTH)
            assert resp.status == 503
            assert resp.headers["Retry-After"] == "5"
            assert time.monotonic() - started < 15, "not held for aiokafka's 40 s timeouts"
    finally:
        own.stop()
