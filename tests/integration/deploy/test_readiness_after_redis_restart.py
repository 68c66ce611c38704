"""Web readiness after Redis restarts, and while intake keeps Redis busy.

Once /readyz says ready again after Redis came back, it stays ready: polled
every 100 ms for 30 s with intake running, no 503. And readiness asks Redis
on a connection of its own: a pool saturated by intake (every connection
busy, requests queueing) is not a Redis outage, and reporting one takes every
web replica out of the load balancer at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from recaudo.embedded import free_port
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.foundation.state_marker import StateMarker
from recaudo.web import build_web_app
from recaudo.web.keys import REDIS
from tests.conftest import SettingsFactory
from tests.integration.harness import account_event, redis_with_aof

pytestmark = pytest.mark.integration
AUTH = {"Authorization": "Bearer key-acme"}
WATCH_S = 30.0


@contextlib.asynccontextmanager
async def ready_web(settings: Settings) -> AsyncIterator[TestClient]:
    """The web app in process, once /readyz says ready."""
    client = aioredis.Redis.from_url(settings.redis_url)
    await StateMarker(client, Keys(settings.redis_prefix)).write("test")
    await client.aclose()
    async with TestClient(TestServer(build_web_app(settings, CollectorRegistry()))) as http:
        deadline = time.monotonic() + 30
        while (await http.get("/readyz")).status != 200:
            assert time.monotonic() < deadline, "web never became ready"
            await asyncio.sleep(0.1)
        yield http


@pytest.fixture
async def web(make_settings: SettingsFactory) -> AsyncIterator[TestClient]:
    async with ready_web(make_settings()) as http:
        yield http


async def test_a_saturated_intake_pool_is_not_a_redis_outage(web: TestClient) -> None:
    intake = web.app[REDIS]
    size = intake.connection_pool.max_connections
    # Every pooled connection held for 3 s (more than the probe's 2 s bound)
    # and more requests queued behind them, as a burst of batches does.
    busy = [
        asyncio.ensure_future(intake.blpop([f"nothing-{i}"], timeout=3)) for i in range(size + 8)
    ]
    try:
        await asyncio.sleep(0.2)
        response = await web.get("/readyz")
        assert response.status == 200, await response.text()
    finally:
        await asyncio.gather(*busy, return_exceptions=True)


async def intake(http: TestClient, stop: asyncio.Event) -> None:
    """Ten events every 100 ms (refused while Redis is away), until ``stop``."""
    ids = itertools.count()
    while not stop.is_set():
        batch = [account_event(f"f{next(ids) % 200}") for _ in range(10)]
        response = await http.post("/v1/events", data=orjson.dumps(batch), headers=AUTH)
        await response.read()
        await asyncio.sleep(0.1)


async def poll_readyz(http: TestClient, watch_s: float) -> list[str]:
    """Every 100 ms for ``watch_s``: each non-200 once /readyz had been 200."""
    came_back: float | None = None
    flaps: list[str] = []
    deadline = time.monotonic() + watch_s
    while time.monotonic() < deadline:
        response = await http.get("/readyz")
        if response.status == 200 and came_back is None:
            came_back = time.monotonic()
        elif response.status != 200 and came_back is not None:
            at = time.monotonic() - came_back
            flaps.append(f"{at:.1f} s after ready: {await response.text()}")
        await asyncio.sleep(0.1)
    assert came_back is not None, "readiness never came back after Redis did"
    return flaps


@pytest.mark.timeout(150)
async def test_readiness_does_not_flap_after_redis_restarts(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    port = free_port()
    server = redis_with_aof(port, tmp_path)
    try:
        settings = make_settings().model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
        async with ready_web(settings) as http:
            stop = asyncio.Event()
            posting = asyncio.create_task(intake(http, stop))
            await asyncio.sleep(1)
            server.kill()  # SIGKILL: the append-only file keeps what was fsynced
            server.wait(10)
            assert (await http.get("/readyz")).status == 503
            await asyncio.sleep(2)
            server = redis_with_aof(port, tmp_path)
            flaps = await poll_readyz(http, WATCH_S)
            stop.set()
            await posting
        assert flaps == []
    finally:
        server.kill()
        server.wait(10)
