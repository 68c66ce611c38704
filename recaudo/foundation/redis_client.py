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
# Readiness: two checks per /readyz (PING, the state marker), two probes may overlap.
PROBE_CONNECTIONS = 4
PROBE_TIMEOUT_S = 2.0


def connect(settings: Settings) -> aioredis.Redis:
    if settings.is_redis_cluster:
        return connect_cluster(settings)
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=settings.redis_max_connections, timeout=30
    )
    return aioredis.Redis.from_pool(pool)  # owns the pool: aclose() closes it


def connect_probe(settings: Settings) -> aioredis.Redis:
    """A small client of its own for the readiness checks.

    Readiness says whether Redis answers, not whether this process's pool has
    a connection free: on the pool intake uses, a burst that holds every
    connection queues PING behind it past the probe's 2 s bound, and /readyz
    said 503 with Redis healthy (a load balancer then drops a busy replica).
    """
    timeouts = {"socket_timeout": PROBE_TIMEOUT_S, "socket_connect_timeout": PROBE_TIMEOUT_S}
    if settings.is_redis_cluster:
        return connect_cluster(settings, PROBE_CONNECTIONS, **timeouts)
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=PROBE_CONNECTIONS, timeout=PROBE_TIMEOUT_S, **timeouts
    )
    return aioredis.Redis.from_pool(pool)


def connect_cluster(
    settings: Settings, max_connections: int | None = None, **options: float
) -> aioredis.Redis:
    url = settings.redis_url.replace("+cluster://", "://", 1)
    client = RedisCluster.from_url(
        url,
        max_connections=max_connections
        or max(settings.redis_max_connections, CLUSTER_CONNECTIONS_PER_NODE),
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=2.0), retries=8),
        **options,
    )
    # Typed as Redis so every store takes one client type: they use only
    # single-slot commands, scripts and pipelines, which RedisCluster routes.
    return cast(aioredis.Redis, client)


def is_cluster(client: object) -> bool:
    """Whether ``client`` talks to a Redis Cluster (scripts in pipelines differ)."""
    return isinstance(client, RedisCluster)
