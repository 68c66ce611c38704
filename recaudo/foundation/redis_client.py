"""The one way processes open Redis: a bounded pool that waits rather than fails.

A batch fans out into many concurrent commands; a plain pool raises when they
outnumber its connections, a blocking pool queues them.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from recaudo.foundation.config import Settings


def connect(settings: Settings) -> aioredis.Redis:
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=settings.redis_max_connections, timeout=30
    )
    return aioredis.Redis.from_pool(pool)  # owns the pool: aclose() closes it
