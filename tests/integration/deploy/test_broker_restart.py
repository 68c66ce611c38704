"""A broker that restarts empty: web readiness false and intake 503, not 202."""

from __future__ import annotations

import asyncio
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
        broker_check_interval_s=0.2,
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
            while (await http.get("/readyz")).status != 503:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            ready = await (await http.get("/readyz")).json()
            assert ready["checks"]["broker_data"] is False
            refused = await http.post("/v1/events", data=body, headers=AUTH)
            assert refused.status == 503
            assert (await refused.json())["error"]["code"] == "broker_restarted"
            assert "recaudo_broker_data_lost 1.0" in await (await http.get("/metrics")).text()
        finally:
            restarted.stop()
