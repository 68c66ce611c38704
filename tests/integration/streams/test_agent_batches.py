"""Fetch-sized batches (``streams.agent_batches``) leave the offsets to Faust, and
Faust keeps its promises: a real Faust worker over the real broker takes what its
consumer queued in batches of at most ``MOST``, hands each record on exactly once,
commits what it handled when it stops, logs no agent as crashed then, and a worker
started after it reads on from there, replaying nothing; neither a worker killed
mid-stream nor a second worker joining mid-stream (a rebalance) loses a record; a
record that two agents read and only one had taken by a clean stop neither holds
the stop nor is lost.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from recaudo.embedded import Managed
from recaudo.foundation.kafka import bootstrap_servers, ensure_topics

pytestmark = pytest.mark.integration

PARTITIONS = 2
MOST = 64
FIRST = 600
ROOT = Path(__file__).parents[3]

Place = tuple[int, int]
#: A batch as handed on: the worker's name and the (partition, offset) of its records.
Batch = tuple[str, list[Place]]


class Run:
    """The app's topics, its consumer group, and its worker processes."""

    def __init__(self, broker: Managed, unique: str, workdir: Path) -> None:
        self.url = broker.url
        self.group = f"{unique}-batches"
        self.source, self.sink = f"{unique}-in", f"{unique}-out"
        self.workdir = workdir

    def start(
        self, name: str = "a", delay_s: float = 0.0, second_delay_s: float | None = None
    ) -> subprocess.Popen[bytes]:
        """A worker called ``name`` whose every batch takes ``delay_s`` to handle; with
        ``second_delay_s``, a second agent (``<name>+second``) reads the same topic."""
        second = {} if second_delay_s is None else {"BATCHES_SECOND_DELAY_S": str(second_delay_s)}
        env = dict(
            os.environ,
            BATCHES_APP_ID=self.group,
            BATCHES_BROKER_URL=self.url,
            BATCHES_DATADIR=str(self.workdir / f"data-{name}"),
            BATCHES_WORKER=name,
            BATCHES_DELAY_S=str(delay_s),
            BATCHES_PARTITIONS=str(PARTITIONS),
            BATCHES_IN=self.source,
            BATCHES_OUT=self.sink,
            BATCHES_MOST=str(MOST),
            **second,
        )
        with (self.workdir / "worker.log").open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "tests.integration.streams.agent_batches_app", "worker"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log(self) -> str:
        """What the workers have logged."""
        return (self.workdir / "worker.log").read_text(errors="replace")

    async def produce(self, numbers: range) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers(self.url), linger_ms=5)
        await producer.start()
        try:
            sent = [
                await producer.send(self.source, key=f"k{i}".encode(), value=b"%d" % i)
                for i in numbers
            ]
            await asyncio.gather(*sent)
        finally:
            await producer.stop()

    async def batches(
        self, covering: int, settle_s: float = 2.0, of: str | None = None
    ) -> list[Batch]:
        """Every batch on the sink (the worker's name, its records), once they cover
        ``covering`` distinct records (those handed on by ``of`` only, when given) and
        ``settle_s`` more has brought no other (a replay would). Distinct: a record
        handed on twice (replayed after a kill or a rebalance) counts once, or a
        replay could end the wait before the last records were handed on at all."""
        consumer = AIOKafkaConsumer(
            self.sink,
            bootstrap_servers=bootstrap_servers(self.url),
            auto_offset_reset="earliest",
            group_id=None,
        )
        await consumer.start()
        out: list[Batch] = []
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 90
            quiet_until: float | None = None
            while loop.time() < deadline:
                got = await consumer.getmany(timeout_ms=200)
                for records in got.values():
                    out += [
                        (r.key.decode(), [(p, o) for p, o in orjson.loads(r.value)])
                        for r in records
                    ]
                counted = {p for name, places in out if of in (None, name) for p in places}
                if len(counted) >= covering:
                    if got:
                        quiet_until = loop.time() + settle_s
                    elif quiet_until is not None and loop.time() >= quiet_until:
                        return out
        finally:
            await consumer.stop()
        handed_on = sum(len(places) for _, places in out)
        raise AssertionError(f"{handed_on} of {covering} records handed on in 90 s")

    async def committed(self) -> dict[int, int | None]:
        """The group's committed offset of each source partition."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers(self.url),
            group_id=self.group,
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            tps = [TopicPartition(self.source, p) for p in range(PARTITIONS)]
            return {tp.partition: await consumer.committed(tp) for tp in tps}
        finally:
            await consumer.stop()


def next_offsets(places: Iterable[Place]) -> dict[int, int]:
    """Each partition's offset after the last record handed on: where a commit of
    everything handled points. (Read from the records: the dev broker's
    ``ListOffsets`` answered 1 for a partition of 324 records here.)"""
    ends: dict[int, int] = {}
    for partition, offset in places:
        ends[partition] = max(ends.get(partition, 0), offset + 1)
    return ends


def stop(worker: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    worker.send_signal(sig)
    try:
        worker.wait(60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(10)
        raise


@pytest.fixture
async def run(broker: Managed, unique: str, tmp_path: Path) -> Run:
    made = Run(broker, unique, tmp_path)
    await ensure_topics(broker.url, (made.source, made.sink), PARTITIONS)
    return made


async def test_queued_records_are_batched_handed_on_once_and_committed_through_faust(
    run: Run,
) -> None:
    await run.produce(range(FIRST))
    worker = run.start()
    try:
        batches = await run.batches(FIRST)
    finally:
        stop(worker)
    places = [place for _, batch in batches for place in batch]
    assert len(places) == FIRST, "each record once"
    assert len(set(places)) == FIRST
    sizes = [len(batch) for _, batch in batches]
    assert max(sizes) <= MOST
    assert max(sizes) > 1, "records already queued are taken together"
    assert await run.committed() == next_offsets(places), "Faust committed it all on stop"
    # Faust ends each actor's reading by throwing StopAsyncIteration into its queue.
    assert "Crashed" not in run.log(), "a clean stop logs no agent as crashed"

    await run.produce(range(FIRST, FIRST + 20))
    worker = run.start()
    try:
        batches = await run.batches(FIRST + 20)
    finally:
        stop(worker)
    places = [place for _, batch in batches for place in batch]
    assert len(places) == FIRST + 20, "the second worker replayed nothing"
    assert len(set(places)) == FIRST + 20


async def test_a_worker_killed_mid_stream_loses_no_record(run: Run) -> None:
    """The restarted worker reads on from the killed one's last commit: it hands on
    every record from there (those the killed one handed on uncommitted again), and
    nothing before it."""
    total = 3000
    await run.produce(range(total))
    worker = run.start("a")
    try:
        await run.batches(MOST, settle_s=0)
    finally:
        stop(worker, signal.SIGKILL)
    killed_at = {p: offset or 0 for p, offset in (await run.committed()).items()}
    worker = run.start("b")
    try:
        batches = await run.batches(total - sum(killed_at.values()), of="b")
    finally:
        stop(worker)
    seen = {place for _, batch in batches for place in batch}
    assert len(seen) == total, "every record handed on, whatever the kill cut short"
    ends = next_offsets(seen)
    for partition, start in killed_at.items():
        restarted = sorted(
            o for name, batch in batches if name == "b" for p, o in batch if p == partition
        )
        assert restarted == list(range(start, ends[partition])), "from the commit on, each once"
    assert await run.committed() == ends


async def test_a_worker_joining_mid_stream_takes_partitions_over_and_loses_no_record(
    run: Run,
) -> None:
    """The rebalance a second worker causes: the first's queued records of the old
    generation are skipped, its partitions' new owner reads them from the commit."""
    total = 6000
    await run.produce(range(total))
    # The first alone needs ~23 s for all of them: time for the second to start and join
    # on a loaded machine (at 0.1 s a batch, 9 s, the first once finished before it joined).
    first = run.start("a", delay_s=0.25)
    second = None
    try:
        await run.batches(MOST, settle_s=0)
        second = run.start("b", delay_s=0.05)
        batches = await run.batches(total)
    finally:
        stop(first)
        if second is not None:
            stop(second)
    seen = {place for _, batch in batches for place in batch}
    assert len(seen) == total, "every record handed on across the rebalance"
    assert {worker for worker, _ in batches} == {"a", "b"}, "the second worker took over some"
    assert await run.committed() == next_offsets(seen)


async def test_a_record_two_agents_read_that_one_had_not_taken_at_a_clean_stop_is_read_again(
    run: Run,
) -> None:
    """As the decide and outbound-webhook agents both read deliveries. A clean stop
    drops what an agent had queued and not taken (Faust clears the queues), so a
    record the other agent handled stays acked by one of two: it must not hold the
    stop (the stop waited for it until killed: a CI run, 2026-12-07), and it must be
    read again, uncommitted, by the next worker."""
    total = 300
    await run.produce(range(total))
    worker = run.start(second_delay_s=5.0)
    try:
        await run.batches(total, settle_s=0, of="a")
    finally:
        stop(worker)
    assert worker.returncode == 0, "a clean stop"

    worker = run.start(second_delay_s=0.0)
    try:
        batches = await run.batches(total, of="a+second")
    finally:
        stop(worker)
    second = {place for name, batch in batches if name == "a+second" for place in batch}
    assert len(second) == total, "the second agent handled every record, the dropped ones too"
    assert await run.committed() == next_offsets(second)
