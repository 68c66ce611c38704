"""Full decision pipeline vs a bare Faust passthrough, in the same run.

1. Preload N account events; a passthrough worker forwards them (baseline).
2. Preload the same N events; a recaudo worker decides them (full pipeline:
   validate, Redis state, rules, contact + decision records, dispatch).
3. With the recaudo worker warm, offer load at half its measured maximum and
   record event->decision latency (broker timestamp of the event to decision).

Run: ``python -m bench.pipeline [--events N]``. Prints figures and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import aiohttp
import orjson
import redis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from recaudo.embedded import Managed, resolve_redis, start_broker
from recaudo.foundation.config import Settings
from recaudo.foundation.kafka import bootstrap_servers, ensure_topics
from recaudo.stack import local_settings
from recaudo.streams.topics import Topics
from tests.conftest import POLICIES
from tests.integration.harness import account_event, start_worker, zone_with_local_hour

PARTITIONS = 4


async def preload(broker: str, topic: str, events: list[bytes], keys: list[str]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers(broker), linger_ms=5)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value=value, key=key.encode())
            for value, key in zip(events, keys, strict=True)
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def drain(
    broker: str, topic: str, expected: int, timeout_s: float
) -> list[tuple[float, bytes]]:
    """(arrival time, value) of the first ``expected`` records of ``topic``."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers(broker),
        auto_offset_reset="earliest",
        group_id=None,
        max_poll_records=5000,
    )
    await consumer.start()
    out: list[tuple[float, bytes]] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(out) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=100, max_records=5000)
            now = time.perf_counter()
            out.extend((now, m.value) for msgs in batch.values() for m in msgs)
    finally:
        await consumer.stop()
    if len(out) < expected:
        raise SystemExit(f"only {len(out)} of {expected} records on {topic} in {timeout_s} s")
    return out[:expected]


async def processed(ports: list[int], topic: str, expected: int, timeout_s: float) -> None:
    """Wait until the workers' metrics count ``expected`` processed events of ``topic``."""
    wanted = {
        ("recaudo_events_total", (("outcome", outcome), ("topic", topic)))
        for outcome in ("processed", "no_effect", "duplicate")
    }
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            total = 0.0
            for port in ports:
                async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
                    text = await resp.text()
                counts = {
                    (s.name, tuple(sorted(s.labels.items()))): s.value
                    for family in text_string_to_metric_families(text)
                    for s in family.samples
                }
                total += sum(counts.get(key, 0) for key in wanted)
            if total >= expected:
                return
            await asyncio.sleep(0.05)
    raise SystemExit(f"worker did not process {expected} records of {topic} in {timeout_s} s")


def rate(arrivals: list[tuple[float, bytes]]) -> float:
    span = arrivals[-1][0] - arrivals[0][0]
    return (len(arrivals) - 1) / span if span > 0 else float("inf")


def events_for(n: int, tag: str, zone: str) -> tuple[list[bytes], list[str]]:
    keys = [f"{tag}{i:07d}" for i in range(n)]
    values = [orjson.dumps(account_event(k, timezone=zone, event_id=f"e-{k}")) for k in keys]
    return values, keys


async def passthrough(
    broker: Managed, events: list[bytes], keys: list[str], workdir: Path
) -> float:
    tag = f"pt{uuid.uuid4().hex[:6]}"
    src, dst = f"{tag}-in", f"{tag}-out"
    await ensure_topics(broker.url, (src, dst), PARTITIONS)
    await preload(broker.url, src, events, keys)
    env = dict(
        os.environ,
        BENCH_APP_ID=tag,
        BENCH_BROKER_URL=broker.url,
        BENCH_IN=src,
        BENCH_OUT=dst,
        BENCH_PARTITIONS=str(PARTITIONS),
    )
    with (workdir / "passthrough.log").open("wb") as log:
        proc = subprocess.Popen(  # noqa: ASYNC220 - started once, before timing
            [sys.executable, "-m", "bench.passthrough_app"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        arrivals = await drain(broker.url, dst, len(events), 300)
    finally:
        proc.terminate()
        proc.wait(30)
    return rate(arrivals)


async def offered_load(
    settings: Settings, per_second: float, seconds: float, zone: str
) -> list[float]:
    """Send at a fixed rate; return event->decision latencies (s) of those events."""
    topics = Topics(settings.topic_prefix)
    total = int(per_second * seconds)
    values, keys = events_for(total, "lat", zone)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers(settings.broker_url))
    await producer.start()
    start = time.perf_counter()
    try:
        for i, (value, key) in enumerate(zip(values, keys, strict=True)):
            await producer.send(topics.accounts, value=value, key=key.encode())
            lag = start + (i + 1) / per_second - time.perf_counter()
            if lag > 0:
                await asyncio.sleep(lag)
        await producer.flush()
    finally:
        await producer.stop()
    wanted = set(keys)
    consumer = AIOKafkaConsumer(
        topics.decisions,
        bootstrap_servers=bootstrap_servers(settings.broker_url),
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    latencies: list[float] = []
    deadline = time.monotonic() + 120
    try:
        while len(latencies) < total and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            for msgs in batch.values():
                for m in msgs:
                    d = orjson.loads(m.value)
                    if d["debtor_id"] in wanted:
                        latencies.append(d["latency_s"])
    finally:
        await consumer.stop()
    return latencies


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1]


async def main(n: int, n_workers: int) -> None:
    workdir = (
        Path(os.environ.get("BENCH_WORKDIR", "/tmp")) / f"recaudo-bench-{uuid.uuid4().hex[:6]}"
    )
    workdir.mkdir(parents=True)
    broker = start_broker()
    store = resolve_redis(os.environ.get("REDIS_URL"))
    zone = zone_with_local_hour(range(9, 20))
    try:
        values, keys = events_for(n, "d", zone)
        base = await passthrough(broker, values, keys, workdir)

        prefix = f"b{uuid.uuid4().hex[:8]}"
        settings = local_settings(
            broker.url, store.url, prefix, tenants="acme", policy_dir=str(POLICIES)
        )
        topics = Topics(settings.topic_prefix)
        await ensure_topics(broker.url, topics.all, PARTITIONS)
        await preload(broker.url, topics.accounts, values, keys)
        workers = [
            await start_worker(settings, workdir / f"worker{i}.log") for i in range(n_workers)
        ]
        worker = workers[0]
        if os.environ.get("BENCH_PROFILE"):
            subprocess.Popen(  # noqa: ASYNC220 - a profiler beside the worker
                [
                    "py-spy",
                    "record",
                    "-o",
                    str(workdir / "profile.svg"),
                    "-d",
                    "25",
                    "-p",
                    str(worker.proc.pid),
                ]
            )
        try:
            decisions = await drain(broker.url, topics.decisions, n, 600)
            decided = rate(decisions)
            # Every event here ends in a contact, whose delivery event comes back to
            # the decide stage: the pipeline is done when all N of those are processed.
            await processed([w.port for w in workers], topics.deliveries, n, 600)
            full = n / (time.perf_counter() - decisions[0][0])
            half = full / 2
            latencies = await offered_load(settings, half, 10.0, zone)
        finally:
            for w in workers:
                w.stop()
        client = redis.Redis.from_url(store.url)
        sample = [f"{prefix}:acme:{{{k}}}:state" for k in keys[:1000]]
        value_bytes = statistics.mean(client.strlen(k) for k in sample)
        memory = statistics.mean(client.memory_usage(k) or 0 for k in sample)
        for pattern in (f"{prefix}:*",):
            for key in client.scan_iter(pattern, count=10_000):
                client.delete(key)
        client.close()
    finally:
        store.stop()
        broker.stop()
    print(f"events                          {n}, workers {n_workers}, partitions {PARTITIONS}")
    print(f"passthrough (bare Faust)        {base:10.0f} events/s")
    print(f"decisions (decide stage)        {decided:10.0f} events/s")
    print(f"full pipeline (to delivery)     {full:10.0f} events/s")
    print(f"ratio full / passthrough        {full / base:10.2f}   (goal >= 0.5)")
    print(
        f"offered load (half of max)      {half:10.0f} events/s for 10 s, {len(latencies)} decided"
    )
    print(f"event->decision p50             {quantile(latencies, 0.50) * 1000:10.1f} ms")
    p99 = quantile(latencies, 0.99) * 1000
    print(f"event->decision p99             {p99:10.1f} ms   (goal < 200)")
    print(f"debtor state value              {value_bytes:10.0f} bytes")
    print(f"debtor state in Redis           {memory:10.0f} bytes (MEMORY USAGE)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=1, help="recaudo worker processes")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.workers))
