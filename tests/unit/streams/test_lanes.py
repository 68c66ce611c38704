"""Urgent inputs first (``streams/lanes.py``) on plain asyncio, without Faust: the
urgent and bulk agents' turns, checked against a reference model of who may go
over generated arrivals, and the cases that matter one at a time.

The fake stream is what ``streams/app.py`` gives the lanes of a Faust stream: its
channel's queue ``qsize()`` (``Lanes.watch``), and the count of each batch taken
from that queue (``Lanes.taken``, as ``streams.agent_batches`` reports it). Every
wait here is bounded by ``asyncio.wait_for``, so a deadlock fails the test instead
of hanging it; no assertion is about speed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from recaudo.streams.lanes import Lane, Lanes

#: Long enough for any of these schedules on a loaded machine; only a deadlock reaches it.
DEADLOCK_S = 5.0


class BatchFailed(Exception):
    """A batch's decision fails (a bug, a store outage after its retries)."""


class FakeQueue:
    def __init__(self) -> None:
        self.items = 0

    def qsize(self) -> int:
        return self.items


class FakeChannel:
    def __init__(self) -> None:
        self.queue = FakeQueue()


class FakeStream:
    """The urgent agent's stream: records land in the channel's queue (Faust puts
    them there, nobody is told) and leave it in batches, each counted as taken."""

    def __init__(self) -> None:
        self.channel = FakeChannel()
        self.taken: Callable[[int], None] = lambda n: None

    def arrive(self, n: int) -> None:
        self.channel.queue.items += n

    def take(self, most: int) -> int:
        """Up to ``most`` queued records into a batch; how many were taken."""
        n = min(most, self.channel.queue.items)
        self.channel.queue.items -= n
        if n:
            self.taken(n)
        return n


def watched(urgent_turns: int = 2) -> tuple[Lanes, FakeStream]:
    lanes, stream = Lanes(urgent_turns), FakeStream()
    lanes.watch(stream.channel.queue.qsize)
    stream.taken = lanes.taken
    return lanes, stream


async def ticks(n: int) -> None:
    """Let the other tasks run ``n`` loop iterations (no time passes)."""
    for _ in range(n):
        await asyncio.sleep(0)


async def urgent_batch(
    lanes: Lanes,
    stream: FakeStream,
    log: list[str],
    name: str,
    *,
    take: int = 1,
    gate: asyncio.Event | None = None,
    fails: bool = False,
) -> None:
    """One urgent batch as streams/app.py runs it: records taken from the queue,
    decided in the lane's turn, then counted as decided, failed or not."""
    taken = stream.take(take)
    try:
        await decided_in_turn(lanes, "urgent", log, name, gate, fails)
    finally:
        lanes.decided(taken)


async def bulk_batch(
    lanes: Lanes,
    log: list[str],
    name: str = "bulk",
    *,
    gate: asyncio.Event | None = None,
    fails: bool = False,
) -> None:
    await decided_in_turn(lanes, "bulk", log, name, gate, fails)


async def decided_in_turn(
    lanes: Lanes,
    lane: Lane,
    log: list[str],
    name: str,
    gate: asyncio.Event | None,
    fails: bool,
) -> None:
    """A batch's work in its lane's turn: logged, held at ``gate``, failing if told."""
    async with lanes.turn(lane):
        log.append(name)
        if gate is not None:
            await gate.wait()
        if fails:
            raise BatchFailed(name)


# -- the cases, one at a time ---------------------------------------------------


async def test_with_nothing_urgent_waiting_a_bulk_batch_goes_at_once() -> None:
    lanes, _ = watched()
    log: list[str] = []
    await asyncio.wait_for(bulk_batch(lanes, log), DEADLOCK_S)
    assert log == ["bulk"]
    assert lanes.urgent_waiting == 0


async def test_when_both_lanes_wait_the_urgent_batch_goes_first() -> None:
    lanes, stream = watched()
    log: list[str] = []
    stream.arrive(2)
    gate = asyncio.Event()
    first = asyncio.create_task(urgent_batch(lanes, stream, log, "u0", gate=gate))
    await ticks(3)
    # The bulk batch starts waiting before the second urgent one does.
    bulk = asyncio.create_task(bulk_batch(lanes, log))
    await ticks(3)
    second = asyncio.create_task(urgent_batch(lanes, stream, log, "u1"))
    await ticks(10)
    assert log == ["u0"], "one turn at a time: both wait while u0 holds it"
    gate.set()
    await asyncio.wait_for(asyncio.gather(first, bulk, second), DEADLOCK_S)
    assert log == ["u0", "u1", "bulk"]


async def test_a_bulk_batch_waits_for_urgent_records_not_yet_taken_from_the_queue() -> None:
    lanes, stream = watched()
    log: list[str] = []
    stream.arrive(3)  # in the agent's queue: no batch has taken them yet
    bulk = asyncio.create_task(bulk_batch(lanes, log))
    await ticks(10)
    assert log == [], "urgent records wait in the queue"
    assert lanes.urgent_waiting == 3
    await asyncio.wait_for(urgent_batch(lanes, stream, log, "u0", take=3), DEADLOCK_S)
    await asyncio.wait_for(bulk, DEADLOCK_S)
    assert log == ["u0", "bulk"]
    assert lanes.urgent_waiting == 0


@pytest.mark.parametrize("urgent_turns", [1, 2, 3])
async def test_a_steady_stream_of_urgent_batches_does_not_starve_the_bulk(
    urgent_turns: int,
) -> None:
    lanes, stream = watched(urgent_turns)
    log: list[str] = []
    waiting_when_bulk_went: list[int] = []
    batches = urgent_turns + 4
    first_started, go_on = asyncio.Event(), asyncio.Event()

    async def urgent_agent() -> None:
        stream.arrive(1)
        for i in range(batches):
            taken = stream.take(1)
            if i < batches - 1:
                stream.arrive(1)  # the next receipt lands while this batch is decided
            try:
                async with lanes.turn("urgent"):
                    log.append(f"u{i}")
                    first_started.set()
                    await go_on.wait()  # u0 holds the turn until the bulk batch waits
                    await ticks(2)
            finally:
                lanes.decided(taken)

    async def bulk() -> None:
        async with lanes.turn("bulk"):
            waiting_when_bulk_went.append(lanes.urgent_waiting)
            log.append("bulk")

    urgent = asyncio.create_task(urgent_agent())
    await asyncio.wait_for(first_started.wait(), DEADLOCK_S)
    waiting = asyncio.create_task(bulk())
    await ticks(3)
    assert log == ["u0"]
    go_on.set()
    await asyncio.wait_for(asyncio.gather(urgent, waiting), DEADLOCK_S)
    # The bulk batch began waiting during u0 and waited through ``urgent_turns``
    # urgent batches (u0 included), then went although receipts were still waiting.
    assert log.index("bulk") == urgent_turns, log
    assert waiting_when_bulk_went[0] > 0
    assert log.count("bulk") == 1
    assert len(log) == batches + 1


async def test_a_failing_urgent_batch_counted_as_decided_releases_the_turn_and_the_bulk() -> None:
    lanes, stream = watched()
    log: list[str] = []
    stream.arrive(2)
    gate = asyncio.Event()
    failing = asyncio.create_task(
        urgent_batch(lanes, stream, log, "u0", take=2, gate=gate, fails=True)
    )
    await ticks(3)
    bulk = asyncio.create_task(bulk_batch(lanes, log))
    await ticks(10)
    assert log == ["u0"]
    gate.set()
    with pytest.raises(BatchFailed):
        await asyncio.wait_for(failing, DEADLOCK_S)
    await asyncio.wait_for(bulk, DEADLOCK_S)
    assert lanes.urgent_waiting == 0
    stream.arrive(1)
    await asyncio.wait_for(urgent_batch(lanes, stream, log, "u1"), DEADLOCK_S)
    assert log == ["u0", "bulk", "u1"]


async def test_a_failing_bulk_batch_releases_the_turn() -> None:
    lanes, stream = watched()
    log: list[str] = []
    gate = asyncio.Event()
    failing = asyncio.create_task(bulk_batch(lanes, log, gate=gate, fails=True))
    await ticks(3)
    stream.arrive(1)
    urgent = asyncio.create_task(urgent_batch(lanes, stream, log, "u0"))
    await ticks(10)
    assert log == ["bulk"]
    gate.set()
    with pytest.raises(BatchFailed):
        await asyncio.wait_for(failing, DEADLOCK_S)
    await asyncio.wait_for(urgent, DEADLOCK_S)
    await asyncio.wait_for(bulk_batch(lanes, log, "bulk-2"), DEADLOCK_S)
    assert log == ["bulk", "u0", "bulk-2"]


# -- the property: generated arrivals against a reference model --------------------


@dataclass(frozen=True)
class Arrive:
    """``n`` urgent records land in the urgent agent's queue."""

    n: int


@dataclass(frozen=True)
class UrgentBatch:
    """The urgent agent takes up to ``take`` queued records (none: no batch)."""

    take: int
    work: int
    fails: bool


@dataclass(frozen=True)
class BulkBatch:
    work: int
    fails: bool


@dataclass(frozen=True)
class Pause:
    """The arrivals stop for ``n`` loop iterations while the agents run."""

    n: int


Op = Arrive | UrgentBatch | BulkBatch | Pause

#: The last job: the urgent agent takes whatever is still queued, as Faust's would.
DRAIN = UrgentBatch(take=10**6, work=0, fails=False)


class Model:
    """The rules of ``Lanes``, stated over what the two agents did, checked at the
    start of every turn:

    (a) never two turns at once;
    (b) a bulk turn starts only when no urgent record waits (queued, or taken and
        not yet decided), or once its batch has waited through ``urgent_turns``
        urgent turns (the turns that ended while it waited);
    (b') and then it goes next: no further urgent turn starts before it;
    (c) an urgent batch waits for at most one bulk turn (one already running
        when it came, or one that starts while it waits, never two).
    """

    def __init__(self, stream: FakeStream, urgent_turns: int) -> None:
        self.stream = stream
        self.urgent_turns = urgent_turns
        self.taken = 0  # urgent records in a batch, not yet counted as decided
        self.holder: Lane | None = None
        self.urgent_ended = 0
        self.bulk_started = 0
        self.bulk_waiting_since: int | None = None  # urgent_ended when it began waiting
        self.urgent_waiting_since: tuple[int, int] | None = None
        self.turns: list[Lane] = []

    @property
    def urgent_records_waiting(self) -> int:
        return self.stream.channel.queue.items + self.taken

    def waits(self, lane: Lane) -> None:
        if lane == "bulk":
            self.bulk_waiting_since = self.urgent_ended
        else:
            running = 1 if self.holder == "bulk" else 0
            self.urgent_waiting_since = (self.bulk_started, running)

    def starts(self, lane: Lane) -> None:
        assert self.holder is None, f"(a) {lane} started while {self.holder} held the turn"
        self.holder = lane
        self.turns.append(lane)
        if lane == "bulk":
            assert self.bulk_waiting_since is not None
            overtaken = self.urgent_ended - self.bulk_waiting_since
            assert self.urgent_records_waiting == 0 or overtaken >= self.urgent_turns, (
                f"(b) bulk went with {self.urgent_records_waiting} urgent records waiting, "
                f"overtaken by {overtaken} urgent turns only"
            )
            if self.urgent_records_waiting:
                event("a bulk turn went ahead of waiting urgent records, overtaken enough")
            self.bulk_waiting_since = None
            self.bulk_started += 1
        else:
            assert self.urgent_waiting_since is not None
            started_then, running = self.urgent_waiting_since
            bulk_turns = running + self.bulk_started - started_then
            assert bulk_turns <= 1, f"(c) an urgent batch waited for {bulk_turns} bulk turns"
            if bulk_turns:
                event("an urgent batch waited for a bulk turn")
            if self.bulk_waiting_since is not None:
                event("an urgent turn overtook a waiting bulk batch")
                overtaken = self.urgent_ended - self.bulk_waiting_since
                assert overtaken < self.urgent_turns, (
                    f"(b') an urgent turn went before a bulk batch overtaken {overtaken} times"
                )
            self.urgent_waiting_since = None

    def ends(self, lane: Lane) -> None:
        assert self.holder == lane
        self.holder = None
        if lane == "urgent":
            self.urgent_ended += 1


class Agents:
    """The urgent and the bulk agent of streams/app.py, each deciding its batches
    one after another in the lanes' turns, fed by the generated arrivals."""

    def __init__(self, urgent_turns: int) -> None:
        self.lanes, self.stream = watched(urgent_turns)
        self.model = Model(self.stream, urgent_turns)
        self.urgent_jobs: asyncio.Queue[UrgentBatch | None] = asyncio.Queue()
        self.bulk_jobs: asyncio.Queue[BulkBatch | None] = asyncio.Queue()
        self.batches = 0

    async def decide(self, lane: Lane, work: int, fails: bool) -> None:
        self.model.waits(lane)
        async with self.lanes.turn(lane):
            self.model.starts(lane)
            try:
                await ticks(work)
                if fails:
                    raise BatchFailed(lane)
            finally:
                self.model.ends(lane)

    async def urgent_agent(self) -> None:
        while (job := await self.urgent_jobs.get()) is not None:
            taken = self.stream.take(job.take)
            if not taken:
                continue
            self.batches += 1
            self.model.taken += taken
            try:
                with contextlib.suppress(BatchFailed):
                    await self.decide("urgent", job.work, job.fails)
            finally:
                self.model.taken -= taken
                self.lanes.decided(taken)

    async def bulk_agent(self) -> None:
        while (job := await self.bulk_jobs.get()) is not None:
            self.batches += 1
            with contextlib.suppress(BatchFailed):
                await self.decide("bulk", job.work, job.fails)

    async def arrivals(self, ops: list[Op]) -> None:
        for op in ops:
            if isinstance(op, Arrive):
                self.stream.arrive(op.n)
            elif isinstance(op, UrgentBatch):
                self.urgent_jobs.put_nowait(op)
            elif isinstance(op, BulkBatch):
                self.bulk_jobs.put_nowait(op)
            else:
                await ticks(op.n)
        self.urgent_jobs.put_nowait(DRAIN)
        self.urgent_jobs.put_nowait(None)
        self.bulk_jobs.put_nowait(None)


OPS = st.lists(
    st.one_of(
        st.builds(Arrive, st.integers(1, 4)),
        st.builds(UrgentBatch, take=st.integers(1, 5), work=st.integers(0, 4), fails=st.booleans()),
        st.builds(BulkBatch, work=st.integers(0, 4), fails=st.booleans()),
        st.builds(Pause, st.integers(0, 6)),
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(ops=OPS, urgent_turns=st.integers(1, 3))
async def test_every_schedule_of_arrivals_keeps_the_lanes_rules(
    ops: list[Op], urgent_turns: int
) -> None:
    note(f"urgent_turns={urgent_turns}")
    agents = Agents(urgent_turns)
    tasks = [
        asyncio.create_task(agents.urgent_agent()),
        asyncio.create_task(agents.bulk_agent()),
        asyncio.create_task(agents.arrivals(ops)),
    ]
    try:
        # (d) every batch gets its turn: a deadlock would reach the timeout.
        await asyncio.wait_for(asyncio.gather(*tasks), DEADLOCK_S)
    finally:
        for task in tasks:
            task.cancel()
    note(f"turns: {agents.model.turns}")
    assert len(agents.model.turns) == agents.batches
    assert agents.model.turns.count("bulk") == sum(isinstance(op, BulkBatch) for op in ops)
    assert agents.model.holder is None
    assert agents.stream.channel.queue.items == 0
    assert agents.lanes.urgent_waiting == 0, "every urgent record counted as decided"
