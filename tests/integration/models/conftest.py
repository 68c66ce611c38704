"""A client of the session's real Redis (tests/conftest.py) and a unique key
prefix per test, cleaned after."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from recaudo.embedded import Managed
from recaudo.foundation.keys import Keys


@pytest.fixture
async def redis(redis_server: Managed) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


@pytest.fixture
async def keys(redis: aioredis.Redis) -> AsyncIterator[Keys]:
    prefix = f"tm{uuid.uuid4().hex[:10]}"
    yield Keys(prefix=prefix)
    async for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
        await redis.delete(key)
