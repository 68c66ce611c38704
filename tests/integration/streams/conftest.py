"""Fixtures the store tests share: a client on the test Redis and a state store on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from recaudo.embedded import Managed
from recaudo.foundation.keys import Keys
from recaudo.streams.store import StateStore


@pytest.fixture
async def client(redis_server: Managed) -> AsyncIterator[aioredis.Redis]:
    redis = aioredis.Redis.from_url(redis_server.url)
    yield redis
    await redis.aclose()


@pytest.fixture
def store(client: aioredis.Redis, unique: str) -> StateStore:
    return StateStore(client, Keys(unique), dedupe_ttl_s=3600)
