"""The schedule tick: what has come due is released to its debtor's owner.

Deferred contacts and promise checks go back to the decide stage as ``Release``
records; commands held for a provider go back to dispatch. The Faust timer and
``recaudo backtest`` run this same code, each on its own clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from recaudo.channels.dispatch import redispatch
from recaudo.channels.dispatch.redispatch import Redispatch
from recaudo.contracts.codec import encode
from recaudo.contracts.metrics import OVERDUE_EDGES, PipelineMetrics
from recaudo.contracts.outputs import Release
from recaudo.contracts.ports import LearnerClock
from recaudo.contracts.schedule import Due, Entry, Schedule
from recaudo.contracts.topics import Topics
from recaudo.foundation.clock import Clock
from recaudo.streams.decision_stage import Outbound

RELEASE_LEASE_S = 30.0
# Per shard per tick: every shard is claimed in the same round trip.
RELEASE_PER_SHARD = 100


@dataclass
class Released:
    """One tick's records to publish, and what to settle once they are acked."""

    now: dt.datetime
    outputs: list[Outbound] = field(default_factory=list)
    held: list[Entry] = field(default_factory=list)
    due: list[Due] = field(default_factory=list)


class ScheduleTimer:
    def __init__(
        self,
        *,
        schedule: Schedule,
        redispatch: Redispatch,
        topics: Topics,
        metrics: PipelineMetrics,
        clock: Clock,
        tenants: Iterable[str],
        learning: LearnerClock | None = None,
    ) -> None:
        self._schedule = schedule
        self._redispatch = redispatch
        self._topics = topics
        self._metrics = metrics
        self._clock = clock
        self._tenants = tuple(tenants)
        self._learning = learning

    async def claim(self) -> Released:
        """Claim what is due now (leased, so a crash before publishing re-releases it)."""
        now = self._clock.now()
        due = await self._schedule.claim_due(now.timestamp(), RELEASE_PER_SHARD, RELEASE_LEASE_S)
        held = [item for item in due if item.entry.kind == redispatch.KIND]
        commands = await self._redispatch.take(held)
        # By kind, not ``item not in held``: that compares every pair (a tick claims
        # up to RELEASE_PER_SHARD entries a shard).
        outputs = [
            release_record(item, self._topics.releases, now)
            for item in due
            if item.entry.kind != redispatch.KIND
        ]
        outputs += [
            Outbound(self._topics.contacts, entry.debtor_id, raw) for entry, raw in commands
        ]
        return Released(now, outputs, [item.entry for item in held], due)

    async def settle(self, released: Released) -> None:
        """After the broker acked the tick's records."""
        await self._redispatch.done(released.held)
        if self._learning is not None:
            await self._learning.expire(self._tenants, released.now)
        for item in released.due:
            self._metrics.released.labels(item.entry.kind).inc()
        # One round trip for both gauges (redis_batch).
        size, backlog = await asyncio.gather(
            self._schedule.size(),
            self._schedule.backlog(released.now.timestamp(), OVERDUE_EDGES),
        )
        self._metrics.scheduled.set(size)
        for bucket, count in backlog.items():
            self._metrics.overdue.labels(bucket).set(count)


def release_record(item: Due, topic: str, now: dt.datetime) -> Outbound:
    entry = item.entry
    release = Release(
        kind="promise"
        if entry.kind == "promise"
        else "held"
        if entry.kind == "held"
        else "contact",
        event_id=f"release-{entry.item_id}-{item.due_at:.3f}",
        tenant_id=entry.tenant_id,
        debtor_id=entry.debtor_id,
        item_id=entry.item_id,
        due_at=dt.datetime.fromtimestamp(item.due_at, dt.UTC),
        released_at=now,
    )
    return Outbound(topic, entry.debtor_id, encode(release))
