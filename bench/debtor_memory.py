"""Redis per debtor through the real pipeline, at 10k debtors and again at 1M.

1. N account events (one debtor each) go through a real ``recaudo worker``:
   decided, contacted (dry-run provider), the delivery receipt decided again.
   ``INFO used_memory`` growth ÷ N is the footprint per debtor, every key the
   pipeline wrote included (tenant-level indexes, schedule, buckets).
2. The worker stops and that keyspace is copied until it holds ``--debtors``
   debtors: each key is ``DUMP``ed once and ``RESTORE``d under a prefix of
   the same length per copy, with its remaining TTL. The copies are the real
   layout byte for byte, so the growth ÷ debtors shows what a large portfolio
   adds on top (the main dictionary's buckets and expiry entries grow with
   the key count). Pushing 1M debtors through the worker would take an hour
   on this machine; the copy takes minutes. The address index's buckets are
   shared by every debtor of a tenant, so a copy's addresses join the same
   buckets (``copy_buckets``) as a million real ones would, rather than
   buckets of their own.
3. Per key kind (names with the debtor, contact ids and numbers abstracted):
   ``MEMORY USAGE`` summed over the first N debtors' keys ÷ N. The dry-run
   provider's own log of sends is deleted before anything is measured.

Run: ``python -m bench.debtor_memory [--events 10000] [--debtors 1000000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import redis

from bench.pipeline import PARTITIONS, events_for, preload, processed
from bench.redis_stats import private_redis
from recaudo.channels.directory import ADDRESS_BUCKETS
from recaudo.contracts.topics import Topics
from recaudo.embedded import start_broker
from recaudo.foundation.kafka import ensure_topics
from recaudo.stack import local_settings
from tests.conftest import POLICIES
from tests.integration.harness import start_worker, zone_with_local_hour

_CHUNK = 5_000


def kind(key: str, prefix: str) -> str:
    """``acme:{d0000042}:state`` -> ``acme:{debtor}:state``; ids and numbers abstracted."""
    name = key.removeprefix(prefix + ":")
    name = re.sub(r"\{[^}]*\}", "{debtor}", name)
    name = re.sub(r"addrs:(\w+):\d+", r"addrs:\1:<bucket>", name)
    name = re.sub(r"[0-9a-f]{24}", "<cid>", name)
    return re.sub(r"\d{5,}", "<n>", name)


def used_memory(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def by_kind(client: redis.Redis, prefix: str, keys: list[bytes]) -> Counter[str]:
    sizes: Counter[str] = Counter()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        pipe = client.pipeline(transaction=False)
        for key in chunk:
            pipe.memory_usage(key, samples=0)
        for key, size in zip(chunk, pipe.execute(), strict=True):
            sizes[kind(key.decode(), prefix)] += int(size or 0)
    return sizes


def shared_bucket(key: bytes) -> bool:
    """A key whose fields are many debtors' (the address index's buckets): a copy of the
    portfolio adds its fields to the same deployment's buckets, not keys of its own."""
    return b":addrs:" in key


def copy_buckets(client: redis.Redis, keys: list[bytes], copies: int) -> None:
    """Each address of the buckets ``copies`` more times, as a new address (the copy's
    number appended: 4 bytes more than a real one) in the bucket it hashes to."""
    entries: list[tuple[str, str, bytes]] = []
    for key in keys:
        head = key.decode().rsplit(":", 1)[0]  # "<prefix>:<tenant>:addrs:<channel>"
        stored: dict[bytes, bytes] = client.hgetall(key)  # type: ignore[assignment]
        entries += [(head, field.decode(), value) for field, value in stored.items()]
    width = len(str(copies))
    for copy in range(1, copies + 1):
        pipe = client.pipeline(transaction=False)
        for head, field, value in entries:
            address = f"{field}{copy:0{width}d}"
            target = f"{head}:{zlib.crc32(address.encode()) % ADDRESS_BUCKETS}"
            pipe.hset(target, address, value)
            pipe.expire(target, 86_400)
        pipe.execute()


def copy_keyspace(client: redis.Redis, prefix: str, keys: list[bytes], copies: int) -> None:
    """``copies`` more of every key, each under ``c<copy>`` (as long as ``prefix``), but
    the address buckets, which the copies fill as one deployment's would."""
    copy_buckets(client, [k for k in keys if shared_bucket(k)], copies)
    keys = [k for k in keys if not shared_bucket(k)]
    dumps: list[tuple[bytes, int, bytes]] = []
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        pipe = client.pipeline(transaction=False)
        for key in chunk:
            pipe.pttl(key)
            pipe.dump(key)
        replies = pipe.execute()
        for i, key in enumerate(chunk):
            ttl, payload = replies[2 * i], replies[2 * i + 1]
            if payload is not None:
                dumps.append((key[len(prefix) :], max(int(ttl), 0), payload))
    width = len(prefix) - 1
    for copy in range(1, copies + 1):
        head = f"c{copy:0{width}d}".encode()
        for start in range(0, len(dumps), _CHUNK):
            pipe = client.pipeline(transaction=False)
            for tail, ttl, payload in dumps[start : start + _CHUNK]:
                pipe.restore(head + tail, ttl, payload)
            pipe.execute()


async def main(n: int, debtors: int) -> None:
    workdir = Path(os.environ.get("BENCH_WORKDIR", "/tmp")) / f"recaudo-mem-{uuid.uuid4().hex[:6]}"
    workdir.mkdir(parents=True)
    broker = start_broker()
    store = private_redis()
    try:
        zone = zone_with_local_hour(range(9, 20))
        values, keys = events_for(n, "d", zone)
        prefix = f"b{uuid.uuid4().hex[:8]}"
        settings = local_settings(
            broker.url, store.url, prefix, tenants="acme", policy_dir=str(POLICIES)
        )
        client = redis.Redis.from_url(store.url)
        topics = Topics(settings.topic_prefix)
        await ensure_topics(broker.url, topics.all, PARTITIONS)
        worker = await start_worker(settings, workdir / "worker.log")
        try:
            before = used_memory(client)
            await preload(broker.url, topics.accounts, values, keys)
            await processed([worker.port], topics.deliveries, n, 900)
            # The last commits of the receipts' batch land just after the count.
            await asyncio.sleep(2)
        finally:
            worker.stop()
        # The dry-run provider's log of what it sent is the bench's, not the service's.
        for key in client.scan_iter(f"{prefix}:recording:*"):
            client.delete(key)
        mine = sorted(client.scan_iter(f"{prefix}:*", count=10_000))
        at_n = used_memory(client) - before
        sizes = by_kind(client, prefix, mine)
        copies = max(debtors // n - 1, 0)
        started = time.perf_counter()
        copy_keyspace(client, prefix, mine, copies)
        copy_s = time.perf_counter() - started
        total = n * (copies + 1)
        at_total = used_memory(client) - before
        print(f"debtors through the worker      {n} (one contact and its receipt each)")
        print(f"Redis used_memory per debtor    {at_n / n:10.0f} bytes, {len(mine) / n:.2f} keys")
        print(
            f"  at {total:,} debtors (copies)  {at_total / total:10.0f} bytes"
            f"   ({copies} copies of the keyspace in {copy_s:.0f} s)"
        )
        print("MEMORY USAGE by key kind, per debtor:")
        for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
            print(f"    {name:<40} {size / n:8.1f} bytes")
        print(f"    {'sum':<40} {sum(sizes.values()) / n:8.1f} bytes", flush=True)
        if os.environ.get("REDIS_URL"):  # a server of the user's: take back what was written
            for pattern in (f"{prefix}:*", "c" + "?" * (len(prefix) - 1) + ":*"):
                for batch in _chunks(client.scan_iter(pattern, count=10_000)):
                    client.unlink(*batch)
        client.close()
    finally:
        store.stop()
        broker.stop()


def _chunks(keys: Iterator[bytes]) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for key in keys:
        batch.append(key)
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000, help="debtors through the worker")
    parser.add_argument("--debtors", type=int, default=1_000_000, help="debtors after the copies")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.debtors))
