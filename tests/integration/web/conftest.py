"""Helpers the web tests share."""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis

from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.streams.store import Change, StateStore


async def commit_states(settings: Settings, changes: Sequence[Change]) -> None:
    """Debtor states written as the decision stage writes them, for the web to read."""
    client = aioredis.Redis.from_url(settings.redis_url)
    try:
        store = StateStore(client, Keys(settings.redis_prefix), dedupe_ttl_s=3600)
        await store.commit(list(changes), now=1.0)
    finally:
        await client.aclose()
