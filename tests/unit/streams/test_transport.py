"""The transport's own parts: the livelock detector's commit clock (idle partitions
are not stuck ones), the urgent partitions handed out first, and a record's
hand-over to the streams without tasks when it need not wait."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from faust.types import TP

from recaudo.streams.transport import app_class, refresh_idle_commit, urgent_only, waits_for


@dataclass
class Offsets:
    _read_offset: dict[str, int] = field(default_factory=dict)
    _committed_offset: dict[str, int] = field(default_factory=dict)


def test_an_idle_fully_committed_partition_counts_as_committed_now() -> None:
    # Faust's committed offset is the next one to read: 10 read, 11 committed.
    consumer = Offsets({"tp": 10}, {"tp": 11})
    clock: dict[Any, float] = {"tp": 100.0}
    refresh_idle_commit(consumer, clock, 900.0, "tp")
    assert clock["tp"] == 900.0


def test_a_partition_with_uncommitted_reads_keeps_its_old_commit_time() -> None:
    consumer = Offsets({"tp": 15}, {"tp": 11})
    clock: dict[Any, float] = {"tp": 100.0}
    refresh_idle_commit(consumer, clock, 900.0, "tp")
    assert clock["tp"] == 100.0, "a real stall must still be reported"


def test_a_partition_never_read_is_not_stuck() -> None:
    clock: dict[Any, float] = {}
    refresh_idle_commit(Offsets(), clock, 5.0, "tp")
    assert clock == {"tp": 5.0}


def test_urgent_only_picks_the_active_partitions_of_the_urgent_topics() -> None:
    active = {TP("p-accounts", 0), TP("p-payments", 0), TP("p-payments", 3), TP("p-responses", 1)}
    urgent = frozenset({"p-payments", "p-responses", "p-urgent-accounts"})
    assert urgent_only(active, urgent) == {
        TP("p-payments", 0),
        TP("p-payments", 3),
        TP("p-responses", 1),
    }
    # Lanes off (no urgent topics), or no partition active: nothing taken first.
    assert urgent_only(active, frozenset()) == set()
    assert urgent_only(set(), urgent) == set()
    assert urgent_only(None, urgent) == set()


# A record's hand-over: Faust's drain loop races it against a suspension of the
# flow, ``wait_first(callback(message), suspend_flow.wait())``.


def consumer() -> Any:
    """Our consumer, never started: the loop its thread would run is closed at once."""
    app = app_class(10)(
        "transport-test", broker="kafka://127.0.0.1:9", loop=asyncio.get_running_loop()
    )

    async def unused(*_: Any) -> None:
        raise AssertionError("the tests call wait_first, not the drain loop")

    made: Any = app.transport.create_consumer(
        callback=unused, on_partitions_revoked=unused, on_partitions_assigned=unused
    )
    made._thread.thread_loop.close()
    return made


def counting_tasks(loop: asyncio.AbstractEventLoop) -> list[int]:
    made = [0]

    def factory(loop: asyncio.AbstractEventLoop, coro: Any) -> asyncio.Task[Any]:
        made[0] += 1
        return asyncio.Task(coro, loop=loop)

    loop.set_task_factory(factory)
    return made


def test_a_hand_over_that_does_not_wait_makes_no_task() -> None:
    async def main() -> None:
        made = counting_tasks(asyncio.get_running_loop())
        c = consumer()
        delivered: list[str] = []

        async def hand_over(record: str) -> str:
            delivered.append(record)
            return "queued"

        suspension = c.suspend_flow.wait()
        results = await c.wait_first(hand_over("r1"), suspension)
        assert results.results == ["queued"]
        assert not results.stopped
        assert delivered == ["r1"]
        assert made == [0]
        assert suspension.cr_frame is None, "the suspension's wait is closed, never left pending"

    asyncio.run(main())


def test_a_hand_over_that_fails_at_once_raises_and_leaves_nothing_pending() -> None:
    async def main() -> None:
        c = consumer()

        async def hand_over() -> str:
            raise ValueError("undecodable")

        suspension = c.suspend_flow.wait()
        with pytest.raises(ValueError, match="undecodable"):
            await c.wait_first(hand_over(), suspension)
        assert suspension.cr_frame is None, "the suspension's wait is closed"

    asyncio.run(main())


def test_a_hand_over_that_waits_is_still_raced_against_the_suspension() -> None:
    async def main() -> None:
        c = consumer()
        room: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        seen: list[str] = []

        async def hand_over() -> str:
            seen.append("started")
            try:
                await room  # a full queue
            except asyncio.CancelledError:
                seen.append("cancelled")
                raise
            return "queued"

        race = asyncio.ensure_future(c.wait_first(hand_over(), c.suspend_flow.wait()))
        await asyncio.sleep(0.01)
        assert seen == ["started"]
        assert not race.done()
        c.suspend_flow.set()  # a rebalance
        results = await race
        assert results.results == [True], "the suspension won"
        await asyncio.sleep(0)
        assert seen == ["started", "cancelled"], "the hand-over is dropped, as Faust drops it"

    asyncio.run(main())


def test_a_hand_over_that_waits_then_finishes_gives_its_value() -> None:
    async def main() -> None:
        c = consumer()
        room: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def hand_over() -> str:
            await room
            await asyncio.sleep(0)
            return "queued"

        race = asyncio.ensure_future(c.wait_first(hand_over(), c.suspend_flow.wait()))
        await asyncio.sleep(0.01)
        room.set_result(None)
        results = await race
        assert results.results == ["queued"]
        assert not results.stopped

    asyncio.run(main())


def test_with_the_flow_suspended_the_hand_over_takes_fausts_race() -> None:
    async def main() -> None:
        made = counting_tasks(asyncio.get_running_loop())
        c = consumer()
        c.suspend_flow.set()

        async def hand_over() -> str:
            await asyncio.sleep(1)
            return "queued"

        results = await c.wait_first(hand_over(), c.suspend_flow.wait())
        assert results.results == [True]
        assert made[0] >= 2, "Faust's own race: a task per contender"

    asyncio.run(main())


def test_waits_for_names_only_the_wait_of_that_event() -> None:
    mine, other = asyncio.Event(), asyncio.Event()
    wait = mine.wait()
    try:
        assert waits_for(wait, mine)
        assert not waits_for(wait, other)
        sleep = asyncio.sleep(0)
        assert not waits_for(sleep, mine)
        sleep.close()
        assert not waits_for("not a coroutine", mine)
    finally:
        wait.close()
