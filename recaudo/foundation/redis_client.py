"""The one way processes open Redis: a bounded pool that waits rather than fails.

A batch fans out into many concurrent commands; a plain pool raises when they
outnumber its connections, a blocking pool queues them.

Redis Cluster (``RECAUDO_REDIS_CLUSTER`` or a ``redis+cluster://`` URL) gets a
``RedisCluster`` client: it follows MOVED/ASK redirections and retries
connection and cluster-down errors with backoff, re-reading the slot map.
"""

from __future__ import annotations

from typing import cast

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from recaudo.foundation.config import Settings

# Per node; its pool raises instead of queueing when full, so it gets headroom
# above the single-server pool for a batch's fan-out.
CLUSTER_CONNECTIONS_PER_NODE = 256


def connect(settings: Settings) -> aioredis.Redis:
    if settings.is_redis_cluster:
        return connect_cluster(settings)
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=settings.redis_max_connections, timeout=30
    )
    return aioredis.Redis.from_pool(pool)  # owns the pool: aclose() closes it


def connect_cluster(settings: Settings) -> aioredis.Redis:
    url = settings.redis_url.replace("+cluster://", "://", 1)
    client = RedisCluster.from_url(
        url,
        max_connections=max(settings.redis_max_connections, CLUSTER_CONNECTIONS_PER_NODE),
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=2.0), retries=8),
    )
    # Typed as Redis so every store takes one client type: they use only
    # single-slot commands, scripts and pipelines, which RedisCluster routes.
    return cast(aioredis.Redis, client)


def is_cluster(client: object) -> bool:
    """Whether ``client`` talks to a Redis Cluster (scripts in pipelines differ)."""
    return isinstance(client, RedisCluster)
