"""``foundation.eager``: a coroutine run by ``first_step`` (and, if it waits, by a task
over its ``rest``) sees what it would see in a task of its own: the same values,
errors and cancellations at the same waits, and ends the same way."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from recaudo.foundation.eager import first_step

# One wait of a program: a loop turn, or a future the harness settles with a
# value, an error or a cancellation.
Wait = tuple[str, str]
waits = st.lists(
    st.one_of(
        st.just(("turn", "")),
        st.tuples(st.just("future"), st.sampled_from(["value", "error", "cancelled"])),
    ),
    max_size=6,
)


@dataclass
class Program:
    waits: list[Wait]
    #: Cancel the task at this future (by index among the program's waits).
    cancel_at: int | None
    #: Whether the program goes on after a cancellation (swallowing it).
    swallow: bool
    ends_in_error: bool
    trace: list[Any] = field(default_factory=list)
    pending: list[tuple[int, asyncio.Future[str], str]] = field(default_factory=list)

    async def run(self) -> str:
        loop = asyncio.get_running_loop()
        for n, (kind, outcome) in enumerate(self.waits):
            try:
                if kind == "turn":
                    await asyncio.sleep(0)
                    self.trace.append((n, "turned"))
                else:
                    fut: asyncio.Future[str] = loop.create_future()
                    self.pending.append((n, fut, outcome))
                    self.trace.append((n, "got", await fut))
            except ValueError as exc:
                self.trace.append((n, "error", str(exc)))
            except asyncio.CancelledError:
                self.trace.append((n, "cancelled"))
                if not self.swallow:
                    raise
        if self.ends_in_error:
            raise KeyError("the end")
        return f"done after {len(self.waits)}"


async def outcome(task: asyncio.Future[Any], program: Program) -> tuple[Any, list[Any]]:
    """Settle the program's futures as they come, cancelling the task at its
    ``cancel_at``-th wait, until it ends."""
    while not task.done():
        await asyncio.sleep(0)
        for n, fut, result in list(program.pending):
            program.pending.remove((n, fut, result))
            if n == program.cancel_at:
                task.cancel()
            elif result == "value":
                fut.set_result(f"value {n}")
            elif result == "error":
                fut.set_exception(ValueError(f"error {n}"))
            else:
                fut.cancel()
    try:
        end: Any = ("returned", task.result())
    except asyncio.CancelledError:
        end = ("cancelled",)
    except KeyError as exc:
        end = ("raised", str(exc))
    return end, program.trace


async def in_a_task(program: Program) -> tuple[Any, list[Any]]:
    return await outcome(asyncio.ensure_future(program.run()), program)


async def first_step_then_a_task(program: Program) -> tuple[Any, list[Any]]:
    try:
        step = first_step(program.run())
    except KeyError as exc:
        return ("raised", str(exc)), program.trace
    if step.done:
        return ("returned", step.value), program.trace
    assert step.rest is not None
    return await outcome(asyncio.ensure_future(step.rest), program)


@given(waits, st.integers(0, 6), st.booleans(), st.booleans())
def test_a_coroutine_sees_the_same_as_in_a_task_of_its_own(
    program_waits: list[Wait], cancel_at: int, swallow: bool, ends_in_error: bool
) -> None:
    # Only a future can be cancelled at a known wait: a loop turn's order against
    # the harness's own turns is the loop's business.
    futures = [n for n, (kind, _) in enumerate(program_waits) if kind == "future"]
    at = futures[cancel_at % len(futures)] if futures else None

    def program() -> Program:
        return Program(program_waits, at, swallow, ends_in_error)

    expected = asyncio.run(in_a_task(program()))
    assert asyncio.run(first_step_then_a_task(program())) == expected


def test_a_coroutine_that_never_waits_finishes_in_its_first_step() -> None:
    async def never_waits() -> int:
        return 7

    async def main() -> None:
        tasks = len(asyncio.all_tasks())
        step = first_step(never_waits())
        assert step == type(step)(done=True, value=7)
        assert len(asyncio.all_tasks()) == tasks, "no task made"

    asyncio.run(main())


def test_a_coroutine_that_yields_no_future_gets_the_error_a_task_gives() -> None:
    class Odd:
        def __await__(self) -> Any:
            yield "not a future"

    async def awaits_odd() -> str:
        try:
            await Odd()
        except RuntimeError as exc:
            return str(exc)
        return "no error"

    async def main() -> None:
        step = first_step(awaits_odd())
        assert step.rest is not None
        assert "not a future" in await step.rest

    asyncio.run(main())
