"""A real Redis per test session, and a unique key prefix per test, cleaned after.

Same resolution as the lead's top-level fixtures (``recaudo.embedded.resolve_redis``):
``REDIS_URL`` when set, else the local server when it answers, else an embedded one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio as aioredis

from recaudo.embedded import Managed, resolve_redis
from recaudo.keys import Keys


@pytest.fixture(scope="session")
def models_redis_server() -> Iterator[Managed]:
    managed = resolve_redis(os.environ.get("REDIS_URL"))
    yield managed
    managed.stop()


@pytest.fixture
async def redis(models_redis_server: Managed) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(models_redis_server.url)
    yield client
    await client.aclose()


@pytest.fixture
async def keys(redis: aioredis.Redis) -> AsyncIterator[Keys]:
    prefix = f"tm{uuid.uuid4().hex[:10]}"
    yield Keys(prefix=prefix)
    async for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
        await redis.delete(key)
