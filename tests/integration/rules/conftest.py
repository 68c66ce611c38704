"""Real Redis for the cap ledger: ``REDIS_URL`` if set, else 127.0.0.1:6379.

Each test gets its own key prefix and deletes its keys afterwards, by name:
the server is shared, so no SCAN over everyone's keys.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from recaudo.contracts.events import Channel
from recaudo.foundation.keys import Keys


@pytest.fixture(scope="session")
def rules_redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def cap_keys() -> Keys:
    return Keys(prefix=f"t-{uuid.uuid4().hex[:12]}")


@pytest.fixture
async def cap_redis(rules_redis_url: str, cap_keys: Keys) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(rules_redis_url)
    yield client
    await client.delete(*ledger_keys(cap_keys))
    await client.aclose()


def ledger_keys(keys: Keys) -> list[str]:
    """Every key the tests' debtors may have written (no SCAN over a shared server)."""
    return [
        key
        for tenant in ("acme",)
        for debtor in ("d", "d1", "d2")
        for key in (
            keys.debtor_hash(tenant, debtor),
            *(keys.debtor(tenant, debtor, f"caps:{channel}") for channel in Channel),
        )
    ]
