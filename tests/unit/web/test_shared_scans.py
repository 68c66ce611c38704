"""``SharedScans``: at most one scan at a time per key, and no answer read before
its request came, whatever the arrivals' order (a reference model: a version the
world bumps at every step, which a scan reads when it begins)."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recaudo.web.shared_scans import SharedScans


class World:
    """A store whose version moves on at every loop step; scans read it at their start."""

    def __init__(self) -> None:
        self.version = 0
        self.scans: list[str] = []
        self.running = 0
        self.most_running = 0

    def scan(self, key: str, steps: int) -> asyncio.Future[int]:
        async def run() -> int:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
            self.scans.append(key)
            seen = self.version
            for _ in range(steps):
                await asyncio.sleep(0)
            self.running -= 1
            return seen

        return asyncio.ensure_future(run())


async def _ask(
    shared: SharedScans, world: World, key: str, delay: int, steps: int
) -> tuple[int, int]:
    for _ in range(delay):
        await asyncio.sleep(0)
    asked_at = world.version
    answer = await shared(key, lambda: world.scan(key, steps))
    return asked_at, answer


async def _tick(world: World, until: asyncio.Event) -> None:
    while not until.is_set():
        world.version += 1
        await asyncio.sleep(0)


@settings(max_examples=200, deadline=None)
@given(
    calls=st.lists(
        st.tuples(st.sampled_from("ab"), st.integers(0, 30), st.integers(0, 8)),
        min_size=1,
        max_size=25,
    )
)
def test_every_answer_was_read_after_its_request_by_one_scan_at_a_time(
    calls: list[tuple[str, int, int]],
) -> None:
    async def run() -> None:
        world, shared, done = World(), SharedScans(), asyncio.Event()
        ticker = asyncio.create_task(_tick(world, done))
        answers = await asyncio.gather(
            *(_ask(shared, world, key, delay, steps) for key, delay, steps in calls)
        )
        done.set()
        await ticker
        for asked_at, answer in answers:
            assert answer >= asked_at
        for key in "ab":
            asked = sum(1 for k, _, _ in calls if k == key)
            assert world.scans.count(key) <= asked
        # Keys are independent: a's scan never waits for b's, nor answers it.
        assert world.most_running <= 2

    asyncio.run(run())


async def test_callers_arriving_during_a_scan_share_the_next_one() -> None:
    shared = SharedScans()
    started: list[int] = []
    release = [asyncio.Event(), asyncio.Event()]

    async def scan() -> int:
        n = len(started)
        started.append(n)
        await release[n].wait()
        return n

    first = asyncio.create_task(shared("acme", scan))
    await asyncio.sleep(0)
    later = [asyncio.create_task(shared("acme", scan)) for _ in range(10)]
    await asyncio.sleep(0)
    assert started == [0]  # the next scan waits for the running one
    release[0].set()
    assert await first == 0
    await asyncio.sleep(0)
    assert started == [0, 1]
    release[1].set()
    assert await asyncio.gather(*later) == [1] * 10
    assert started == [0, 1]


async def test_a_caller_that_goes_away_leaves_the_scan_to_the_others() -> None:
    shared = SharedScans()
    go = asyncio.Event()
    scans = 0

    async def scan() -> int:
        nonlocal scans
        scans += 1
        await go.wait()
        return scans

    first = asyncio.create_task(shared("acme", scan))
    await asyncio.sleep(0)
    leaving = asyncio.create_task(shared("acme", scan))
    staying = asyncio.create_task(shared("acme", scan))
    await asyncio.sleep(0)
    leaving.cancel()
    go.set()
    assert (await first, await staying) == (1, 2)
    assert leaving.cancelled()
    assert scans == 2


async def test_a_failed_scan_fails_only_its_callers() -> None:
    shared = SharedScans()
    go = asyncio.Event()
    outcomes: list[str | Exception] = [ConnectionError("redis away"), "list", "list again"]

    async def scan() -> str:
        await go.wait()
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    failing = asyncio.create_task(shared("acme", scan))
    await asyncio.sleep(0)
    queued = [asyncio.create_task(shared("acme", scan)) for _ in range(3)]
    await asyncio.sleep(0)
    go.set()
    with pytest.raises(ConnectionError):
        await failing
    assert await asyncio.gather(*queued) == ["list"] * 3
    assert await shared("acme", scan) == "list again"


async def test_a_tenants_scan_never_answers_another_tenant() -> None:
    shared = SharedScans()
    go = asyncio.Event()

    def scan_of(tenant: str):  # type: ignore[no-untyped-def]
        async def scan() -> str:
            await go.wait()
            return tenant

        return scan

    acme = asyncio.create_task(shared("acme", scan_of("acme")))
    globex = asyncio.create_task(shared("globex", scan_of("globex")))
    await asyncio.sleep(0)
    go.set()
    assert (await acme, await globex) == ("acme", "globex")


@pytest.mark.parametrize("callers", [1, 2, 50])
async def test_at_most_two_scans_answer_any_burst(callers: int) -> None:
    shared = SharedScans()
    scans = 0

    async def scan() -> int:
        nonlocal scans
        scans += 1
        await asyncio.sleep(0.01)
        return scans

    await asyncio.gather(*(shared("acme", scan) for _ in range(callers)))
    assert scans == min(callers, 2)
