"""A unique key prefix per test on the session's real Redis (its client:
``redis``, tests/conftest.py), cleaned after."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys


@pytest.fixture
async def keys(redis: aioredis.Redis) -> AsyncIterator[Keys]:
    prefix = f"tm{uuid.uuid4().hex[:10]}"
    yield Keys(prefix=prefix)
    async for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
        await redis.delete(key)
