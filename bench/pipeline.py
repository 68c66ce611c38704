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
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson
import redis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from bench import profile_areas
from bench.redis_stats import private_redis, process_cpu_s, report, snapshot
from recaudo.contracts.topics import Topics
from recaudo.embedded import Managed, start_broker
from recaudo.foundation.config import Settings
from recaudo.foundation.kafka import bootstrap_servers, ensure_topics
from recaudo.stack import local_settings
from tests.conftest import POLICIES
from tests.integration.harness import account_event, start_worker, zone_with_local_hour

#: Partitions of every topic unless ``--partitions``. Faust's assignor keeps
#: copartitioned topics together and gives a worker at most
#: ceil(partitions / workers) of them, so 4 partitions feed only 2 of 3
#: workers (the third is an idle standby): use 6 or more for 3.
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
    broker: str,
    topic: str,
    expected: int,
    timeout_s: float,
    on_first: Callable[[], None] | None = None,
) -> list[tuple[float, bytes]]:
    """(arrival time, value) of the first ``expected`` records of ``topic``;
    ``on_first`` is called when the first arrive."""
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
            if batch and not out and on_first is not None:
                on_first()
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


@dataclass(frozen=True)
class Passthrough:
    rate: float
    #: The app's CPU from the first record forwarded to the last, per record.
    cpu_us: float


async def passthrough(
    broker: Managed,
    events: list[bytes],
    keys: list[str],
    workdir: Path,
    partitions: int,
    reader: str = "take_events",
    transport: str = "faust",
) -> Passthrough:
    tag = f"pt{uuid.uuid4().hex[:6]}"
    src, dst = f"{tag}-in", f"{tag}-out"
    await ensure_topics(broker.url, (src, dst), partitions)
    await preload(broker.url, src, events, keys)
    env = dict(
        os.environ,
        BENCH_APP_ID=tag,
        BENCH_BROKER_URL=broker.url,
        BENCH_IN=src,
        BENCH_OUT=dst,
        BENCH_PARTITIONS=str(partitions),
        BENCH_READER=reader,
        BENCH_TRANSPORT=transport,
        BENCH_DATADIR=str(workdir / f"{tag}-data"),
    )
    with (workdir / f"passthrough-{reader}-{transport}.log").open("wb") as log:
        proc = subprocess.Popen(  # noqa: ASYNC220 - started once, before timing
            [sys.executable, "-m", "bench.passthrough_app"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    cpu_at_first: list[float] = []
    try:
        arrivals = await drain(
            broker.url,
            dst,
            len(events),
            300,
            on_first=lambda: cpu_at_first.append(process_cpu_s(proc.pid)),
        )
        cpu_s = process_cpu_s(proc.pid) - cpu_at_first[0]
    finally:
        proc.terminate()
        proc.wait(30)
    return Passthrough(rate(arrivals), cpu_s / len(events) * 1e6)


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


def fill(client: redis.Redis, prefix: str, debtors: int, schedule: int) -> None:
    """Growth: ``debtors`` other keys already in Redis and ``schedule`` entries due
    in a week, as a large portfolio leaves them (values of a state's size)."""
    if debtors:
        client.execute_command("DEBUG", "POPULATE", debtors, f"{prefix}:fill:", 500)
    shards = 16  # Settings.schedule_shards' default
    due = time.time() + 7 * 86400
    for start in range(0, schedule, 10_000):
        pipe = client.pipeline(transaction=False)
        for i in range(start, min(start + 10_000, schedule)):
            member = f"contact|acme|f{i:07d}|c{i}"
            pipe.zadd(f"{prefix}:schedule:{i % shards}", {member: due + i})
        pipe.execute()


async def main(
    n: int, n_workers: int, debtors: int, schedule: int, partitions: int, settle_s: float | None
) -> None:
    workdir = (
        Path(os.environ.get("BENCH_WORKDIR", "/tmp")) / f"recaudo-bench-{uuid.uuid4().hex[:6]}"
    )
    workdir.mkdir(parents=True)
    broker = start_broker()
    store = private_redis()
    zone = zone_with_local_hour(range(9, 20))
    lines: list[str] = []
    try:
        values, keys = events_for(n, "d", zone)
        bare = await passthrough(broker, values, keys, workdir, partitions)
        batched = await passthrough(broker, values, keys, workdir, partitions, "agent_batches")
        ours = await passthrough(
            broker, values, keys, workdir, partitions, "agent_batches", "recaudo"
        )
        base = bare.rate

        prefix = f"b{uuid.uuid4().hex[:8]}"
        settings = local_settings(
            broker.url,
            store.url,
            prefix,
            tenants="acme",
            policy_dir=str(POLICIES),
            topic_partitions=partitions,
            **({} if settle_s is None else {"contact_settle_s": settle_s}),
        )
        client = redis.Redis.from_url(store.url)
        fill(client, prefix, debtors, schedule)
        topics = Topics(settings.topic_prefix)
        await ensure_topics(broker.url, topics.all, partitions)
        workers = [
            await start_worker(settings, workdir / f"worker{i}.log") for i in range(n_workers)
        ]
        pids = [w.proc.pid for w in workers]
        worker = workers[0]
        before = snapshot(client, pids)
        await preload(broker.url, topics.accounts, values, keys)
        profile = workdir / "profile.txt"
        spy = None
        if os.environ.get("BENCH_PROFILE"):
            # Sampling the first worker until the loop is done, without pausing it.
            spy = subprocess.Popen(  # noqa: ASYNC220 - a profiler beside the worker
                [
                    str(Path(sys.executable).with_name("py-spy")),
                    "record",
                    "--nonblocking",
                    "--format",
                    "raw",
                    "-o",
                    str(profile),
                    "-p",
                    str(worker.proc.pid),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        try:
            decisions = await drain(broker.url, topics.decisions, n, 600)
            decided = rate(decisions)
            # Every event here ends in a contact, whose delivery event comes back to
            # the decide stage: the pipeline is done when all N of those are processed.
            await processed([w.port for w in workers], topics.deliveries, n, 600)
            full = n / (time.perf_counter() - decisions[0][0])
            after = snapshot(client, pids)
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(60)
            half = full / 2
            latencies = await offered_load(settings, half, 10.0, zone)
        finally:
            for w in workers:
                w.stop()
        lines = report(before, after, n, "full loop")
        if spy is not None:
            cpu_us = (after.cpu_s - before.cpu_s) / n * 1e6 / n_workers
            lines += [f"CPU by area (py-spy of worker 0, {profile}):"]
            lines += profile_areas.report(profile_areas.areas(profile), cpu_us)
        per_debtor = (after.memory - before.memory) / n
        keys_per_debtor = (after.keys - before.keys) / n
        sample = sorted(client.scan_iter(f"{prefix}:acme:{{{keys[0]}}}:*", count=1000))
        breakdown = [(k.decode(), client.memory_usage(k) or 0) for k in sample]
        for pattern in (f"{prefix}:*",):
            for key in client.scan_iter(pattern, count=10_000):
                client.delete(key)
        client.close()
    finally:
        store.stop()
        broker.stop()
    settle = "the setting's" if settle_s is None else f"{settle_s:g} s"
    print(f"events                          {n}, workers {n_workers}, partitions {partitions}")
    print(f"contact settle                  {settle}")
    print(f"already in Redis                {debtors} keys, {schedule} schedule entries")
    print(
        f"passthrough (bare Faust)        {base:10.0f} events/s   CPU {bare.cpu_us:6.0f} µs/event"
    )
    print(
        f"  the same, agent_batches       {batched.rate:10.0f} events/s   "
        f"CPU {batched.cpu_us:6.0f} µs/event   (ratio {batched.cpu_us / bare.cpu_us:.2f})"
    )
    print(
        f"  and the workers' transport    {ours.rate:10.0f} events/s   "
        f"CPU {ours.cpu_us:6.0f} µs/event   (ratio {ours.cpu_us / bare.cpu_us:.2f})"
    )
    print(f"decisions (decide stage)        {decided:10.0f} events/s   ratio {decided / base:.2f}")
    print(f"full pipeline (to delivery)     {full:10.0f} events/s   ratio {full / base:.2f}")
    print(
        f"offered load (half of max)      {half:10.0f} events/s for 10 s, {len(latencies)} decided"
    )
    print(f"event->decision p50             {quantile(latencies, 0.50) * 1000:10.1f} ms")
    p99 = quantile(latencies, 0.99) * 1000
    print(f"event->decision p99             {p99:10.1f} ms   (goal < 200)")
    print(f"Redis used_memory per debtor    {per_debtor:10.0f} bytes, {keys_per_debtor:.1f} keys")
    for key, size in breakdown:
        print(f"    {key.split('}:', 1)[-1]:<22} {size:8d} bytes (MEMORY USAGE)")
    for line in lines:
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=1, help="recaudo worker processes")
    parser.add_argument("--fill-debtors", type=int, default=0, help="other keys in Redis first")
    parser.add_argument("--fill-schedule", type=int, default=0, help="schedule entries first")
    parser.add_argument("--partitions", type=int, default=PARTITIONS, help="of every topic")
    parser.add_argument(
        "--settle-s",
        type=float,
        default=None,
        help="RECAUDO_CONTACT_SETTLE_S for the workers (default: the setting's, 5 s); "
        "0 sends every contact at once, so no run holds contacts another run sends",
    )
    args = parser.parse_args()
    asyncio.run(
        main(
            args.events,
            args.workers,
            args.fill_debtors,
            args.fill_schedule,
            args.partitions,
            args.settle_s,
        )
    )
