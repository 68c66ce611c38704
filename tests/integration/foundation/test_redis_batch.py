"""The batcher against real Redis and a real Redis Cluster: calls issued in one
event-loop turn share one pipeline, each gets its own reply or error."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from recaudo.embedded import Managed
from recaudo.foundation.config import Settings
from recaudo.foundation.redis_batch import RedisBatch
from recaudo.foundation.redis_client import connect_cluster
from tests.redis_cluster import Cluster

_INCR_BY = "return redis.call('INCRBY', KEYS[1], ARGV[1])"


@pytest.fixture(params=["redis", "redis-cluster"])
async def client(
    request: pytest.FixtureRequest, redis_server: Managed
) -> AsyncIterator[aioredis.Redis]:
    if request.param == "redis":
        client = aioredis.Redis.from_url(redis_server.url)
    else:
        cluster: Cluster = request.getfixturevalue("redis_cluster")
        client = connect_cluster(Settings(redis_url=cluster.url, redis_cluster=True))
    yield client
    await client.aclose()


def names(n: int) -> list[str]:
    tag = uuid.uuid4().hex[:8]
    return [f"t-batch:{{{tag}-{i}}}:n" for i in range(n)]


async def test_calls_of_one_turn_share_one_round_trip(client: aioredis.Redis) -> None:
    batch = RedisBatch(client)
    keys = names(20)
    script = client.register_script(_INCR_BY)
    warm = names(1)[0]
    await batch.script(script, [warm], [0])  # loaded: no NOSCRIPT retry below
    await client.delete(warm)
    # The warm-up took two round trips where this Redis had not seen the script.
    before = batch.stats.round_trips
    try:
        replies = await asyncio.gather(
            *(batch.script(script, [key], [i]) for i, key in enumerate(keys)),
            *(batch.call("GET", key) for key in keys),
        )
        assert replies[:20] == list(range(20))
        assert replies[20:] == [str(i).encode() for i in range(20)]
        assert batch.stats.round_trips == before + 1
        assert batch.stats.commands["GET"] == 20
        # A later turn is another round trip.
        assert await batch.calls([("GET", keys[3])]) == [b"3"]
        assert batch.stats.round_trips == before + 2
    finally:
        await asyncio.gather(*(client.delete(key) for key in keys))


async def test_an_error_fails_only_its_own_call(client: aioredis.Redis) -> None:
    batch = RedisBatch(client)
    hash_key, plain = names(2)
    try:
        await client.hset(hash_key, "f", "v")
        replies: list[object] = await asyncio.gather(
            batch.call("INCR", hash_key), batch.call("INCR", plain), return_exceptions=True
        )
        wrong, right = replies
        assert isinstance(wrong, ResponseError)
        assert right == 1
    finally:
        await client.delete(hash_key, plain)


async def test_a_script_redis_does_not_know_is_loaded_and_sent_again(
    redis_server: Managed,
) -> None:
    client = aioredis.Redis.from_url(redis_server.url)
    batch = RedisBatch(client)
    (key,) = names(1)
    script = client.register_script(_INCR_BY)
    script.sha = "0" * 40  # what a restarted Redis answers: NOSCRIPT
    try:
        assert await asyncio.gather(batch.script(script, [key], [2]), batch.call("GET", key)) == [
            2,
            None,
        ]
        assert await batch.script(script, [key], [3]) == 5
    finally:
        await client.delete(key)
        await client.aclose()


async def test_replies_parse_as_the_client_parses_them(client: aioredis.Redis) -> None:
    """The client's response callbacks apply: a hash is a dict, SET a bool, and
    floats go on the wire as redis-py writes them."""
    batch = RedisBatch(client)
    hash_key, zset_key, plain = names(3)
    try:
        replies = await batch.calls(
            [
                ("HSET", hash_key, "a", "1", "b", "2"),
                ("HGETALL", hash_key),
                ("SET", plain, "v", "NX"),
                ("SET", plain, "w", "NX"),
                ("ZADD", zset_key, 1796231679.753096, "m"),
                ("ZSCORE", zset_key, "m"),
                ("EXISTS", hash_key),
            ]
        )
        assert replies == [2, {b"a": b"1", b"b": b"2"}, True, None, 1, 1796231679.753096, 1]
        assert replies[1] == await client.hgetall(hash_key)
        assert replies[5] == await client.zscore(zset_key, "m")
    finally:
        await client.delete(hash_key, zset_key, plain)


async def test_a_connection_is_clean_after_a_read_times_out(redis_server: Managed) -> None:
    """A batch cut short mid-read leaves no late reply behind for the next batch."""
    client = aioredis.Redis.from_url(redis_server.url, max_connections=1, socket_timeout=0.1)
    batch = RedisBatch(client)
    key, empty = names(2)
    try:
        await client.set(key, "kept")
        # Blocks this connection (not the server) for 0.3 s, then answers nil.
        with pytest.raises(TimeoutError):
            await batch.calls([("BLPOP", empty, "0.3"), ("GET", key)])
        await asyncio.sleep(0.4)  # the nil would be waiting on a kept socket
        assert await batch.calls([("GET", key), ("ECHO", "x")]) == [b"kept", b"x"]
    finally:
        await client.delete(key)
        await client.aclose()
