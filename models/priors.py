"""Segment-level arm counts in Redis: the pooled prior of every debtor in a segment.

One hash per (tenant, segment) with fields ``<arm>:s`` / ``<arm>:f``. Outcomes
are added with ``HINCRBY`` in one pipeline per batch, so workers on different
partitions add to the same counts without coordination. Reads are cached
in-process for ``max_age_s`` of the decision path's clock, never the wall's:
a backtest then refreshes its priors at the same simulated instants however
fast the machine runs it, and a prior a few seconds stale changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import redis.asyncio as aioredis

from recaudo.contracts.events import Channel
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.models.bandit import SegmentPrior
from recaudo.models.slots import ALL_ARMS, Arm

#: Segment used when a debtor has none (and for the global pool).
DEFAULT_SEGMENT = "_all"


@dataclass(frozen=True, slots=True)
class ArmOutcome:
    """One contact's reward, to be added to its segment's counts."""

    segment: str | None
    channel: Channel
    slot: int
    reward: bool


class SegmentPriorStore:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        strength: float = 4.0,
        max_age_s: float = 30.0,
        clock: Clock = WALL_CLOCK,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._strength = strength
        self._max_age_s = max_age_s
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, SegmentPrior]] = {}

    def key(self, tenant_id: str, segment: str | None) -> str:
        return self._keys.tenant(tenant_id, f"bandit:seg:{segment or DEFAULT_SEGMENT}")

    async def counts(self, tenant_id: str, segment: str | None) -> tuple[list[int], list[int]]:
        """Raw (successes, failures) per arm, in ``ALL_ARMS`` order."""
        raw = await self._redis.hgetall(self.key(tenant_id, segment))
        return _parse(raw)

    async def load(self, tenant_id: str, segments: Iterable[str | None]) -> dict[str, SegmentPrior]:
        """Priors for several segments, fetching the stale ones in one pipeline."""
        now = self._clock.now().timestamp()
        wanted = {s or DEFAULT_SEGMENT for s in segments}
        out: dict[str, SegmentPrior] = {}
        missing: list[str] = []
        for seg in sorted(wanted):
            hit = self._cache.get((tenant_id, seg))
            if hit is not None and now - hit[0] < self._max_age_s:
                out[seg] = hit[1]
            else:
                missing.append(seg)
        if missing:
            batch = batcher(self._redis)
            results = await batch.calls([("HGETALL", self.key(tenant_id, seg)) for seg in missing])
            for seg, raw in zip(missing, results, strict=True):
                s, f = _parse(raw)
                prior = SegmentPrior.from_counts(s, f, self._strength)
                self._cache[(tenant_id, seg)] = (now, prior)
                out[seg] = prior
        return out

    async def record(self, tenant_id: str, outcomes: Iterable[ArmOutcome]) -> int:
        """Add outcomes to their segments' counts in one pipeline; returns how many."""
        commands: list[tuple[str | int, ...]] = []
        for o in outcomes:
            field = f"{Arm(o.channel, o.slot).name}:{'s' if o.reward else 'f'}"
            commands.append(("HINCRBY", self.key(tenant_id, o.segment), field, 1))
        await batcher(self._redis).calls(commands)
        return len(commands)


def _parse(raw: Mapping[bytes | str, bytes | str]) -> tuple[list[int], list[int]]:
    values = {(k.decode() if isinstance(k, bytes) else k): int(v) for k, v in raw.items()}
    s = [values.get(f"{arm.name}:s", 0) for arm in ALL_ARMS]
    f = [values.get(f"{arm.name}:f", 0) for arm in ALL_ARMS]
    return s, f
