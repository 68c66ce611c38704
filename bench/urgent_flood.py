"""A payment or an opt-out during the morning's snapshot flood: how long until the
debtor's pending contact is cancelled, with and without the urgent lane, in one run.

Per mode (one decide agent in arrival order, then the urgent lane of
``streams.lanes``), on a fresh topic prefix and one worker (decide and dispatch):

1. ``--targets`` debtors in a zone outside the contact window get a pending
   (deferred) SMS contact; the bench waits for their ``defer`` decisions.
2. ``--flood`` account snapshots of other debtors (inside the window: each ends in
   a contact) go onto the accounts topic as fast as the producer can send them.
3. Once the worker has decided ``--warmup`` of them, one urgent event every
   ``--every`` seconds, alternating: a payment covering a target's amount due,
   an SMS reply "STOP" from another target. Each one's ``occurred_at`` is the
   moment it is sent.
4. Measured: from each urgent event's ``occurred_at`` to its target's ``cancel``
   decision (the decision record's broker timestamp); the flood's snapshots
   decided per second meanwhile (the lane's cost); the snapshots still undecided
   when the last cancel came (the worker was saturated throughout). The run
   then waits until every snapshot of the flood is decided (none lost).

Run: ``python -m bench.urgent_flood [--flood 100000] [--targets 60]``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.pipeline import PARTITIONS, preload
from bench.redis_stats import private_redis
from recaudo.contracts.topics import Topics
from recaudo.embedded import Managed, start_broker
from recaudo.foundation.kafka import bootstrap_servers, ensure_topics
from recaudo.stack import local_settings
from tests.conftest import POLICIES
from tests.integration.harness import (
    account_event,
    payment_event,
    start_worker,
    zone_with_local_hour,
)

DUE_MINOR = 10_000


@dataclass
class Watch:
    """What the decisions topic said, as it said it (a consumer in the background)."""

    targets: set[str]
    flood: set[str]
    defers: set[str] = field(default_factory=set)
    #: target debtor -> broker timestamp (s) of its cancel decision
    cancels: dict[str, float] = field(default_factory=dict)
    #: broker timestamps (s) of the flood's decisions, in arrival order
    flood_at: list[float] = field(default_factory=list)

    def take(self, timestamp_ms: int, value: bytes) -> None:
        d = orjson.loads(value)
        who = d["debtor_id"]
        if who in self.flood:
            self.flood_at.append(timestamp_ms / 1000)
        elif who in self.targets:
            if d["action"] == "defer":
                self.defers.add(who)
            elif d["action"] == "cancel":
                self.cancels.setdefault(who, timestamp_ms / 1000)


async def watch(broker: str, topic: str, seen: Watch, stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers(broker),
        auto_offset_reset="earliest",
        group_id=None,
        max_poll_records=5000,
    )
    await consumer.start()
    try:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=50, max_records=5000)
            for msgs in batch.values():
                for m in msgs:
                    seen.take(m.timestamp, m.value)
    finally:
        await consumer.stop()


async def until(check: object, what: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def stop_reply(debtor_id: str) -> dict[str, object]:
    return {
        "type": "response",
        "event_id": f"stop-{debtor_id}",
        "tenant_id": "acme",
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
        "debtor_id": debtor_id,
        "account_id": f"A-{debtor_id}",
        "channel": "sms",
        "text": "STOP",
    }


@dataclass
class Result:
    mode: str
    payment_s: list[float]
    opt_out_s: list[float]
    flood_rate: float
    backlog_at_end: int


async def one_mode(
    broker: Managed, redis_url: str, workdir: Path, args: argparse.Namespace, lanes: bool
) -> Result:
    mode = "urgent lane" if lanes else "one agent"
    prefix = f"u{uuid.uuid4().hex[:8]}"
    settings = local_settings(
        broker.url,
        redis_url,
        prefix,
        tenants="acme",
        policy_dir=str(POLICIES),
        topic_partitions=args.partitions,
        urgent_lane=lanes,
        broker_max_poll_records=args.max_poll_records,
        broker_max_partition_fetch_bytes=args.fetch_bytes,
    )
    topics = Topics(settings.topic_prefix)
    await ensure_topics(broker.url, topics.all, args.partitions)
    asleep = zone_with_local_hour(range(0, 6))
    awake = zone_with_local_hour(range(9, 20))
    targets = [f"t{i:05d}" for i in range(args.targets)]
    flood_keys = [f"f{i:07d}" for i in range(args.flood)]
    flood = [
        orjson.dumps(account_event(k, timezone=awake, event_id=f"e-{k}", due_minor=DUE_MINOR))
        for k in flood_keys
    ]
    seen = Watch(set(targets), set(flood_keys))
    stop = asyncio.Event()
    worker = await start_worker(settings, workdir / f"worker-{prefix}.log")
    watcher = asyncio.create_task(watch(broker.url, topics.decisions, seen, stop))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers(broker.url))
    await producer.start()
    sent: dict[str, tuple[str, float]] = {}
    try:
        for t in targets:
            event = account_event(
                t, timezone=asleep, event_id=f"e-{t}", due_minor=DUE_MINOR, channels=("sms",)
            )
            await producer.send(topics.accounts, orjson.dumps(event), key=t.encode())
        await producer.flush()
        await until(lambda: len(seen.defers) == len(targets), "the targets' deferrals", 120)
        flooding = asyncio.create_task(preload(broker.url, topics.accounts, flood, flood_keys))
        await until(lambda: len(seen.flood_at) >= args.warmup, "the flood's warm-up", 300)
        for i, t in enumerate(targets):
            if i % 2 == 0:
                kind, event = "payment", payment_event(t, DUE_MINOR, f"P-{t}")
            else:
                kind, event = "opt-out", stop_reply(t)
            topic = topics.payments if kind == "payment" else topics.responses
            occurred = dt.datetime.fromisoformat(str(event["occurred_at"])).timestamp()
            await producer.send_and_wait(topic, orjson.dumps(event), key=t.encode())
            sent[t] = (kind, occurred)
            await asyncio.sleep(args.every)
        await until(lambda: len(seen.cancels) == len(targets), "every target's cancel", 600)
        await flooding
        # Nothing lost: every snapshot of the flood is decided in the end.
        await until(lambda: len(seen.flood_at) >= args.flood, "the whole flood decided", 1800)
        stop.set()
        await watcher
    finally:
        stop.set()
        await producer.stop()
        worker.stop()
    first = min(occurred for _, occurred in sent.values())
    last = max(seen.cancels.values())
    during = [at for at in seen.flood_at if first <= at <= last]
    decided_by_end = sum(1 for at in seen.flood_at if at <= last)
    latency = {t: seen.cancels[t] - occurred for t, (_, occurred) in sent.items()}
    return Result(
        mode=mode,
        payment_s=[latency[t] for t, (kind, _) in sent.items() if kind == "payment"],
        opt_out_s=[latency[t] for t, (kind, _) in sent.items() if kind == "opt-out"],
        flood_rate=len(during) / (last - first) if last > first else 0.0,
        backlog_at_end=args.flood - decided_by_end,
    )


def quantile(values: list[float], q: float) -> float:
    """Inclusive (never beyond the largest value seen, as few samples would extrapolate)."""
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def line(name: str, values: list[float]) -> str:
    p50, p99 = quantile(values, 0.50), quantile(values, 0.99)
    return f"    {name:<20} p50 {p50:6.2f} s   p99 {p99:6.2f} s   max {max(values):6.2f} s"


async def main(args: argparse.Namespace) -> None:
    root = Path(os.environ.get("BENCH_WORKDIR", "/tmp"))
    workdir = root / f"recaudo-flood-{uuid.uuid4().hex[:6]}"
    workdir.mkdir(parents=True)
    broker = start_broker()
    store = private_redis()
    try:
        results = [
            await one_mode(broker, store.url, workdir, args, lanes) for lanes in (False, True)
        ]
    finally:
        store.stop()
        broker.stop()
    print(
        f"flood {args.flood} snapshots, {args.targets} urgent events (every {args.every} s "
        f"after {args.warmup} decided), {args.partitions} partitions, 1 worker, "
        f"hand-outs of {args.max_poll_records} records, fetches of {args.fetch_bytes} B"
    )
    for r in results:
        print(f"{r.mode}:")
        print(line("payment -> cancel", r.payment_s))
        print(line("opt-out -> cancel", r.opt_out_s))
        print(f"    flood decided        {r.flood_rate:8.0f} snapshots/s meanwhile")
        print(f"    flood undecided      {r.backlog_at_end:8d} when the last cancel came")
    base, lane = results
    if base.flood_rate:
        print(f"flood rate, urgent lane / one agent: {lane.flood_rate / base.flood_rate:.2f}")
    print("goal: payment -> cancel p99 <= 2 s under the flood (urgent lane)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flood", type=int, default=100_000)
    parser.add_argument("--targets", type=int, default=60)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between urgent events")
    parser.add_argument("--warmup", type=int, default=2_000, help="flood decided before")
    parser.add_argument("--partitions", type=int, default=PARTITIONS)
    parser.add_argument(
        "--max-poll-records", type=int, default=50, help="records per hand-out to the agents"
    )
    parser.add_argument(
        "--fetch-bytes", type=int, default=16 * 1024, help="the consumer's fetch per partition"
    )
    asyncio.run(main(parser.parse_args()))
