"""Run a coroutine's first step at once, in the caller's task; a task only if it waits.

A coroutine handed to a task runs at the loop's next turn, and the task costs
its creation, a scheduled step, a done callback and, when raced, the tasks it
races. Faust's consumer hands every fetched record to the streams that way
(``streams.transport``), although the hand-over almost never waits: it puts
the record on a queue with room. Python 3.12's eager task factory does what
this does; the worker runs on 3.11 too.

``first_step`` runs the coroutine until it first waits. Finished there, its
value (or its exception) comes back with no task made. Waiting, it comes back
as ``rest``: a coroutine that, run by a task, carries it on exactly as a task
would have: it waits on the same future, resumes it with that future's
outcome, and passes a cancellation in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FirstStep:
    #: True when the coroutine finished in its first step.
    done: bool
    #: Its return value, when done.
    value: Any = None
    #: The rest of it, to await (or run in a task), when not done.
    rest: Coroutine[Any, Any, Any] | None = None


def first_step(coro: Coroutine[Any, Any, Any]) -> FirstStep:
    """Run ``coro`` (not yet started) up to its first wait; an exception it raises
    before waiting propagates."""
    try:
        waits_on = coro.send(None)
    except StopIteration as finished:
        return FirstStep(done=True, value=finished.value)
    return FirstStep(done=False, rest=_carry_on(coro, waits_on))


async def _carry_on(coro: Coroutine[Any, Any, Any], waits_on: object) -> Any:
    """Drive ``coro`` from a wait on ``waits_on`` to its end, as its task would: the
    outcome of each wait (a future's error, our task's cancellation) is thrown
    into it where it waits, as a task throws it."""
    while True:
        thrown: BaseException | None = None
        try:
            if waits_on is None:
                await asyncio.sleep(0)  # a bare yield: one loop turn
            elif asyncio.isfuture(waits_on):
                # Taken from the coroutine as a task takes it, and awaited here.
                waits_on._asyncio_future_blocking = False
                await waits_on
            else:
                thrown = RuntimeError(f"a coroutine yielded {waits_on!r}, not a future")
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # passed on, as a task would
            thrown = exc
        try:
            waits_on = coro.send(None) if thrown is None else coro.throw(thrown)
        except StopIteration as finished:
            return finished.value
