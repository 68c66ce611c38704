"""A broker that restarts empty: web readiness false and intake 503, not 202.

The periodic check is set far off (an hour): the POST right after the restart
is refused by the check each POST makes after its produce, not by the watch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import orjson
import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from recaudo.embedded import Managed, free_port, start_broker
from recaudo.foundation.keys import Keys
from recaudo.foundation.state_marker import StateMarker
from recaudo.stack import local_settings
from recaudo.web import build_web_app
from tests.conftest import POLICIES
from tests.integration.harness import account_event

pytestmark = pytest.mark.integration
AUTH = {"Authorization": "Bearer key-acme"}


@pytest.fixture
async def own_broker() -> AsyncIterator[Managed]:
    managed = start_broker(free_port())
    yield managed
    managed.stop()


async def test_broker_restarted_empty_makes_web_unready_and_refuses_intake(
    own_broker: Managed, redis_server: Managed, unique: str
) -> None:
    settings = local_settings(
        own_broker.url,
        redis_server.url,
        unique,
        tenants="acme",
        api_keys="acme:key-acme",
        policy_dir=str(POLICIES),
        broker_check_interval_s=3600,
    )
    client = aioredis.Redis.from_url(redis_server.url)
    await StateMarker(client, Keys(unique)).write("test")
    await client.aclose()
    body = orjson.dumps(account_event("b1"))
    async with TestClient(TestServer(build_web_app(settings, CollectorRegistry()))) as http:
        while (await http.get("/readyz")).status != 200:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        assert (await http.post("/v1/events", data=body, headers=AUTH)).status == 202

        port = int(own_broker.url.rsplit(":", 1)[1])
        own_broker.stop()
        restarted = start_broker(port)  # memory storage: every topic and offset gone
        try:
            # Immediately, and again: a produce that fails or lands in the
            # empty broker is a 503 to resend, never a 202 with nothing stored.
            for _ in range(3):
                started = time.monotonic()
                first = await http.post("/v1/events", data=body, headers=AUTH)
                assert time.monotonic() - started < 10  # not the producer's 40 s give-up
                assert first.status == 503, await first.text()
                assert first.headers["Retry-After"] == "5"
                assert (await first.json())["error"]["code"] == "broker_restarted"
            ready = await (await http.get("/readyz")).json()
            assert ready["checks"]["broker_data"] is False
            refused = await http.post("/v1/events", data=body, headers=AUTH)
            assert refused.status == 503
            assert (await refused.json())["error"]["code"] == "broker_restarted"
            assert "recaudo_broker_data_lost 1.0" in await (await http.get("/metrics")).text()
        finally:
            restarted.stop()
