"""A tenant's daily contact capacity, as a streaming admission threshold.

"Whom to contact today" is a ranking, but decisions arrive one debtor at a
time. Yesterday's candidates tell today's bar: every evaluated candidate adds
its value to a per-day histogram (log-spaced buckets), and today's threshold is
the value above which yesterday's candidates would just have filled the
capacity. A per-day counter of contacts stops admission once the capacity is
used. Both are sums in Redis that every worker adds to, so the threshold is
shared, not per worker. The capacity is a business target, not law: a few
contacts over it in a burst (counts land after each batch) are acceptable.

Expiry: the keys are named by the day on the decision clock and only today's
counter and yesterday's histogram are read, so their 3-day TTL is
housekeeping.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher

#: Histogram buckets: 8 per decade of value, from 1 to 1e12 reference units.
PER_DECADE = 8
TOP = 12 * PER_DECADE


def value_bucket(value: float) -> int:
    if value <= 1.0:
        return 0
    return min(TOP, int(math.log10(value) * PER_DECADE) + 1)


def bucket_floor(bucket: int) -> float:
    return 0.0 if bucket <= 0 else 10 ** ((bucket - 1) / PER_DECADE)


@dataclass(frozen=True, slots=True)
class DayCapacity:
    """Today's bar and how much of the capacity is already used."""

    day: dt.date
    used: int
    threshold: float

    def full(self, capacity: int) -> bool:
        return capacity > 0 and self.used >= capacity


def threshold_for(histogram: dict[int, int], capacity: int) -> float:
    """The lowest value whose bucket still fits, walking from the best candidates down."""
    if capacity <= 0 or not histogram:
        return -math.inf
    taken = 0
    for bucket in sorted(histogram, reverse=True):
        taken += histogram[bucket]
        if taken > capacity:
            return bucket_floor(bucket + 1)
    return -math.inf


class CapacityBook:
    def __init__(self, client: aioredis.Redis, keys: Keys) -> None:
        self._redis = client
        self._keys = keys

    def _used_key(self, tenant_id: str, day: dt.date) -> str:
        return self._keys.tenant(tenant_id, f"capacity:{day.isoformat()}:used")

    def _hist_key(self, tenant_id: str, day: dt.date) -> str:
        return self._keys.tenant(tenant_id, f"capacity:{day.isoformat()}:values")

    async def load(self, tenant_id: str, day: dt.date, capacity: int) -> DayCapacity:
        used, hist = await batcher(self._redis).calls(
            [
                ("GET", self._used_key(tenant_id, day)),
                ("HGETALL", self._hist_key(tenant_id, day - dt.timedelta(days=1))),
            ]
        )
        histogram = {int(k): int(v) for k, v in hist.items()}
        return DayCapacity(day, int(used or 0), threshold_for(histogram, capacity))

    async def record(
        self,
        tenant_id: str,
        contacts: Iterable[dt.date],
        candidates: Iterable[tuple[dt.date, float]],
    ) -> None:
        ttl = 3 * 86400
        commands: list[tuple[str | int, ...]] = []
        for day in contacts:
            commands.append(("INCR", self._used_key(tenant_id, day)))
            commands.append(("EXPIRE", self._used_key(tenant_id, day), ttl))
        for day, value in candidates:
            hist = self._hist_key(tenant_id, day)
            commands.append(("HINCRBY", hist, str(value_bucket(value)), 1))
            commands.append(("EXPIRE", hist, ttl))
        await batcher(self._redis).calls(commands)
