"""Fixtures the store tests share: the session Redis's client and a state store on it."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys
from recaudo.streams.store import StateStore


@pytest.fixture
def client(redis: aioredis.Redis) -> aioredis.Redis:
    """The store tests' name for ``redis`` (tests/conftest.py)."""
    return redis


@pytest.fixture
def store(client: aioredis.Redis, unique: str) -> StateStore:
    return StateStore(client, Keys(unique), dedupe_ttl_s=3600)
