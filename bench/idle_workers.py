"""What a worker costs with nothing to do, with 1, 2 and 3 workers side by side.

A worker's fixed costs (the consumer's fetch polling, the schedule timer
claiming its shards, heartbeats, probes) are paid per second, not per event.
If any of them grew with the number of workers (say every worker scanning
every shard), adding workers would cost more CPU per worker. This starts N
idle workers on a schedule of ``--schedule`` entries due in a week (none due
now: the timer finds nothing), lets them settle, and reads each one's CPU over
``--seconds`` from ``/proc``. ``--fetch-wait-ms`` is the consumer's fetch wait
(the dev stack's 20 ms, or the production default 1500).

Run: ``python -m bench.idle_workers [--workers 1,2,3] [--schedule 100000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import uuid
from pathlib import Path

import redis

from bench.pipeline import fill
from bench.redis_stats import private_redis, process_cpu_s
from recaudo.contracts.topics import Topics
from recaudo.embedded import start_broker
from recaudo.foundation.kafka import ensure_topics
from recaudo.stack import local_settings
from tests.conftest import POLICIES
from tests.integration.harness import start_worker

#: Enough that Faust's assignor gives each of 3 workers partitions (bench.pipeline).
PARTITIONS = 6


async def idle_cpu(
    n_workers: int, schedule: int, seconds: float, fetch_wait_ms: int, workdir: Path
) -> list[float]:
    """CPU milliseconds per second of each of ``n_workers`` idle workers."""
    broker = start_broker()
    store = private_redis()
    prefix = f"i{uuid.uuid4().hex[:8]}"
    try:
        settings = local_settings(
            broker.url,
            store.url,
            prefix,
            tenants="acme",
            policy_dir=str(POLICIES),
            topic_partitions=PARTITIONS,
            broker_fetch_max_wait_ms=fetch_wait_ms,
        )
        client = redis.Redis.from_url(store.url)
        fill(client, prefix, 0, schedule)
        client.close()
        await ensure_topics(broker.url, Topics(settings.topic_prefix).all, PARTITIONS)
        workers = [
            await start_worker(settings, workdir / f"idle{n_workers}-{i}.log")
            for i in range(n_workers)
        ]
        try:
            await asyncio.sleep(5)  # the last join's rebalance settles
            before = [process_cpu_s(w.proc.pid) for w in workers]
            await asyncio.sleep(seconds)
            after = [process_cpu_s(w.proc.pid) for w in workers]
        finally:
            for w in workers:
                w.stop()
        return [(a - b) / seconds * 1000 for a, b in zip(after, before, strict=True)]
    finally:
        store.stop()
        broker.stop()


async def main(counts: list[int], schedule: int, seconds: float, fetch_wait_ms: int) -> None:
    workdir = Path(os.environ.get("BENCH_WORKDIR", "/tmp")) / f"recaudo-idle-{uuid.uuid4().hex[:6]}"
    workdir.mkdir(parents=True)
    print(
        f"idle workers, {schedule} schedule entries, {PARTITIONS} partitions,"
        f" fetch wait {fetch_wait_ms} ms, {seconds:g} s"
    )
    for n in counts:
        each = await idle_cpu(n, schedule, seconds, fetch_wait_ms, workdir)
        shown = ", ".join(f"{ms:.1f}" for ms in each)
        print(f"  {n} worker(s): CPU ms/s per worker {shown}   mean {sum(each) / n:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", default="1,2,3", help="worker counts, comma-separated")
    parser.add_argument("--schedule", type=int, default=100_000, help="entries due in a week")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--fetch-wait-ms", type=int, default=20, help="20: dev/tests/bench; 1500: the default"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    asyncio.run(main(counts, args.schedule, args.seconds, args.fetch_wait_ms))
