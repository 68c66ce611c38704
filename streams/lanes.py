"""Urgent inputs first (issue 28): two Faust agents, the urgent lane and the bulk
lane, share one decision stage and take turns, one batch at a time.

Why two agents: with one, a payment joins the end of the agent's buffer, behind
up to 4,096 snapshots (~10 s of work on 2 cores). With two, a flood of account
snapshots fills the bulk agent's buffer, while payments, opt-outs and legal
flags reach the urgent agent's own; the consumer hands out what the urgent
topics have fetched before anything else (``streams.transport``). Both lanes'
topics are copartitioned (every worker subscribes to all of them), so a
debtor's events of either lane are in the same worker, and one batch at a time
keeps the state's read-decide-commit as serial as with one agent.

Whose turn: a free turn goes to the urgent lane when it has a batch; a bulk batch
starts only once no urgent record is waiting anywhere in the worker (in the
agent's queue or a batch being decided), so a payment posted
before a snapshot is still decided first. So that a steady stream of receipts
cannot starve the snapshots, a bulk batch that has waited through
``urgent_turns`` urgent batches goes next.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Literal

Lane = Literal["urgent", "bulk"]


class Lanes:
    def __init__(self, urgent_turns: int = 2) -> None:
        self._urgent_turns = urgent_turns
        self._busy = False
        self._received = 0
        self._done = 0
        self._queued: Callable[[], int] = lambda: 0
        self._bulk_waiting = 0
        #: Urgent batches decided while a bulk batch waited (reset when bulk goes).
        self._overtaken = 0
        self._changed = asyncio.Event()

    def watch(self, queued: Callable[[], int]) -> None:
        """Read the urgent agent's queue size (records Faust queued, not yet taken)."""
        self._queued = queued

    def taken(self, n: int) -> None:
        """``n`` urgent records left the queue for a batch (``streams.agent_batches``)."""
        self._received += n

    def decided(self, n: int) -> None:
        """``n`` urgent records are decided (or dead-lettered): no longer waiting."""
        self._done += n
        self._notify()

    @property
    def urgent_waiting(self) -> int:
        return self._queued() + self._received - self._done

    @asynccontextmanager
    async def turn(self, lane: Lane) -> AsyncIterator[None]:
        """Hold the stage for one batch of ``lane``."""
        if lane == "bulk":
            self._bulk_waiting += 1
            try:
                await self._until(self._bulk_may_go)
            finally:
                self._bulk_waiting -= 1
            self._overtaken = 0
        else:
            await self._until(self._urgent_may_go)
        self._busy = True
        try:
            yield
        finally:
            self._busy = False
            if lane == "urgent" and self._bulk_waiting:
                self._overtaken += 1
            self._notify()

    def _bulk_may_go(self) -> bool:
        return not self._busy and (
            self.urgent_waiting <= 0 or self._overtaken >= self._urgent_turns
        )

    def _urgent_may_go(self) -> bool:
        return not self._busy and not (self._bulk_waiting and self._overtaken >= self._urgent_turns)

    async def _until(self, ready: Callable[[], bool]) -> None:
        while not ready():
            changed = self._changed
            # A record arriving in the queue does not notify (Faust puts it there):
            # look again at least every 5 ms while waiting.
            with suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=0.005)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
