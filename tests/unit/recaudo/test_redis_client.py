"""A setting or a ``+cluster`` URL selects the Redis Cluster client."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

from recaudo.foundation.config import Settings
from recaudo.foundation.redis_client import (
    PROBE_CONNECTIONS,
    PROBE_TIMEOUT_S,
    connect,
    connect_probe,
    is_cluster,
)


@pytest.mark.parametrize(
    ("values", "cluster"),
    [
        ({"redis_url": "redis://127.0.0.1:6379/0"}, False),
        ({"redis_url": "redis+cluster://127.0.0.1:7000"}, True),
        ({"redis_url": "rediss+cluster://127.0.0.1:7000"}, True),
        ({"redis_url": "redis://127.0.0.1:7000", "redis_cluster": True}, True),
    ],
)
async def test_cluster_client_is_chosen_by_url_or_setting(
    values: dict[str, object], cluster: bool
) -> None:
    client = connect(Settings.model_validate(values))
    try:
        assert is_cluster(client) is cluster
        assert isinstance(client, RedisCluster if cluster else aioredis.Redis)
    finally:
        await client.aclose()


def test_tls_cluster_url_keeps_tls() -> None:
    client = connect(Settings(redis_url="rediss+cluster://127.0.0.1:7000"))
    assert isinstance(client, RedisCluster)
    assert client.connection_kwargs["connection_class"].__name__ == "SSLConnection"


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "redis+cluster://127.0.0.1:7000"])
async def test_probe_client_has_its_own_small_pool(url: str) -> None:
    settings = Settings(redis_url=url)
    intake, probe = connect(settings), connect_probe(settings)
    try:
        assert is_cluster(probe) is is_cluster(intake)
        if not is_cluster(probe):
            assert probe.connection_pool is not intake.connection_pool
            assert probe.connection_pool.max_connections == PROBE_CONNECTIONS
            assert probe.connection_pool.connection_kwargs["socket_timeout"] == PROBE_TIMEOUT_S
    finally:
        await intake.aclose()
        await probe.aclose()
