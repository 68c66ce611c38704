"""One full scan at a time per report and tenant, every caller answered by a scan
that began after it asked.

A compliance list (``GET /v1/reports/after-effective-date``, ``/credit-bureau``)
is read as it is, never cached: it walks all of a tenant's debtor states, a
million keys for a large book. Left alone, a burst of calls is a burst of full
scans. Here a call that finds a scan running waits for the next one, which
starts when the running one ends and answers every call that arrived meanwhile:
however many arrive at once, at most two scans run back to back, and no answer
was read before its request came (the running scan may have passed a debtor
written just before the call, so it cannot answer it). The price is latency: a
caller may wait for the rest of a scan before its own begins.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


def _observe(task: asyncio.Task[Any]) -> None:
    """Retrieve a scan's outcome, so a failure that every waiter gave up on (their
    requests cancelled) is not reported as never retrieved."""
    if not task.cancelled():
        task.exception()


class SharedScans:
    """Runs ``scan()`` for ``key`` at most once at a time; see the module."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Task[Any]] = {}
        self._next: dict[Hashable, asyncio.Task[Any]] = {}

    async def __call__(self, key: Hashable, scan: Callable[[], Awaitable[T]]) -> T:
        task = self._next.get(key)
        if task is None:
            running = self._running.get(key)
            task = asyncio.create_task(self._run(key, running, scan))
            task.add_done_callback(_observe)
            (self._next if running is not None else self._running)[key] = task
        # A caller that goes away (its request cancelled) leaves the scan to the others.
        return await asyncio.shield(task)

    async def _run(
        self, key: Hashable, before: asyncio.Task[Any] | None, scan: Callable[[], Awaitable[T]]
    ) -> T:
        this = asyncio.current_task()
        assert this is not None
        if before is not None:
            await asyncio.wait([before])
            del self._next[key]
            self._running[key] = this
        try:
            return await scan()
        finally:
            if self._running.get(key) is this:
                del self._running[key]
