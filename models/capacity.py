"""A tenant's daily contact capacity, as a streaming admission bar.

"Whom to contact today" is a ranking, but decisions arrive one debtor at a
time. Every candidate the strategy values adds its value to a per-day
histogram (log-spaced buckets), admitted or not, the day's capacity full or
not; a per-day counter counts the contacts. Both are sums in Redis that every
worker adds to, so the bar is the same for all workers, not per worker.

The bar of day D is the value at rank ``capacity`` (interpolated inside its
bucket) among day D's candidates, estimated as those seen so far plus, for
the part of the day not seen yet, day D-1's candidates: at the start of the
day it is the value above which yesterday's candidates would just have filled
the capacity; as the day's own candidates arrive (counted against yesterday's
volume) they take yesterday's place, so a pool whose best were contacted
yesterday lowers the bar. A candidate below it is skipped; one above it is
admitted while the counter has room. With no more candidates than the
capacity there is no bar.

The first day (no candidate at all yesterday) ranks against today's own
candidates so far. Nobody is admitted before ``FIRST_DAY_SAMPLE`` of them
have been seen; then, by the share ``f`` of the day gone on the clock, the
day's volume is estimated as ``seen / f``, so the bar is the value at rank
``capacity * f`` among those seen. This assumes the day's candidates arrive
spread over it: a burst early in the day under-fills the first day with its
best few. Each worker adds its own batch's candidates as it judges them, so
one large batch ranks too.

The capacity is a business target, not law: a few contacts over it in a burst
(counts land after each batch) are acceptable. Days are the decision clock's
UTC days; the keys are named by them and only today's and yesterday's are
read, so their 3-day TTL is housekeeping.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher

#: Histogram buckets: 32 per decade of value (7.5 % wide), from 1 to 1e12 reference units.
PER_DECADE = 32
TOP = 12 * PER_DECADE
DAY_S = 86400.0
#: A first day admits nobody before this many candidates: fewer give too rough a bar.
FIRST_DAY_SAMPLE = 20
TTL_S = 3 * 86400


def value_bucket(value: float) -> int:
    """Bucket ``b`` >= 1 holds ``[10**((b-1)/PER_DECADE), 10**(b/PER_DECADE))``; 0 holds <= 1."""
    if value <= 1.0:
        return 0
    return min(TOP, int(math.log10(value) * PER_DECADE) + 1)


def threshold_for(histogram: Mapping[int, float], rank: float) -> float:
    """The value at ``rank`` (1 = the best) of the candidates in ``histogram``.

    Inside its bucket the candidates are taken as evenly spread on the log
    scale, so about ``rank`` of them are at or above the result. With no more
    candidates than ``rank`` there is no bar (``-inf``); nor inside bucket 0
    (values of 1 reference unit or less, negatives included: ``min_value``
    decides there).
    """
    if rank <= 0 or sum(histogram.values()) <= rank:
        return -math.inf
    above = 0.0
    for bucket in sorted(histogram, reverse=True):
        count = histogram[bucket]
        if count <= 0:
            continue
        if above + count >= rank:
            if bucket <= 0:
                return -math.inf
            within = (rank - above - 0.5) / count
            return 10 ** ((bucket - within) / PER_DECADE)
        above += count
    return -math.inf


@dataclass(frozen=True, slots=True)
class DayCapacity:
    """Today's capacity, how much of it is used, and the candidates that set its bar."""

    day: dt.date
    capacity: int
    used: int
    #: Yesterday's candidates by bucket; empty when there were none (a first day).
    yesterday: Mapping[int, int]
    #: Today's candidates so far by bucket, this worker's batch included.
    today: Mapping[int, int] = field(default_factory=dict)

    def full(self) -> bool:
        return self.capacity > 0 and self.used >= self.capacity

    def seen(self) -> int:
        return sum(self.today.values())

    def sampling(self) -> bool:
        """A first day still too early to rank: nobody is admitted yet."""
        return self.capacity > 0 and not self.yesterday and self.seen() < FIRST_DAY_SAMPLE

    def bar(self, at: dt.datetime) -> float:
        """The value a candidate judged at ``at`` must reach (finite, or -inf: no bar)."""
        if self.capacity <= 0:
            return -math.inf
        if not self.yesterday:
            midnight = dt.datetime.combine(self.day, dt.time(), dt.UTC)
            share = min(1.0, max(0.0, (at - midnight).total_seconds() / DAY_S))
            return threshold_for(self.today, self.capacity * share)
        # Yesterday's candidates stand in for the part of today not seen yet.
        expected = sum(self.yesterday.values())
        unseen = max(0, expected - self.seen()) / expected
        day: dict[int, float] = {b: c * unseen for b, c in self.yesterday.items()}
        for bucket, count in self.today.items():
            day[bucket] = day.get(bucket, 0.0) + count
        return threshold_for(day, self.capacity)

    def judged(self, value: float | None, admitted: bool) -> DayCapacity:
        """After a decision of this batch: before the shared counts in Redis move."""
        today = self.today
        if value is not None:
            counts = dict(today)
            bucket = value_bucket(value)
            counts[bucket] = counts.get(bucket, 0) + 1
            today = counts
        return replace(self, used=self.used + admitted, today=today)


class CapacityBook:
    def __init__(self, client: aioredis.Redis, keys: Keys) -> None:
        self._redis = client
        self._keys = keys
        # Yesterday's histogram by tenant: that day is over, so it is read once a day.
        self._yesterday: dict[str, tuple[dt.date, dict[int, int]]] = {}

    def _used_key(self, tenant_id: str, day: dt.date) -> str:
        return self._keys.tenant(tenant_id, f"capacity:{day.isoformat()}:used")

    def _hist_key(self, tenant_id: str, day: dt.date) -> str:
        return self._keys.tenant(tenant_id, f"capacity:{day.isoformat()}:candidates")

    async def load(self, tenant_id: str, day: dt.date, capacity: int) -> DayCapacity:
        """One round trip: today's counter and histogram (and yesterday's, once a day)."""
        cached = self._yesterday.get(tenant_id)
        yesterday = cached[1] if cached is not None and cached[0] == day else None
        commands: list[tuple[str | int, ...]] = [
            ("GET", self._used_key(tenant_id, day)),
            ("HGETALL", self._hist_key(tenant_id, day)),
        ]
        if yesterday is None:
            commands.append(("HGETALL", self._hist_key(tenant_id, day - dt.timedelta(days=1))))
        replies = await batcher(self._redis).calls(commands)
        if yesterday is None:
            yesterday = _histogram(replies[2])
            self._yesterday[tenant_id] = (day, yesterday)
        return DayCapacity(day, capacity, int(replies[0] or 0), yesterday, _histogram(replies[1]))

    async def record(
        self,
        tenant_id: str,
        contacts: Iterable[dt.date],
        candidates: Iterable[tuple[dt.date, float]],
    ) -> None:
        """Add a batch's contacts and valued candidates, counted by day and bucket."""
        commands: list[tuple[str | int, ...]] = []
        for day, n in Counter(contacts).items():
            commands.append(("INCRBY", self._used_key(tenant_id, day), n))
            commands.append(("EXPIRE", self._used_key(tenant_id, day), TTL_S))
        counts = Counter((day, value_bucket(value)) for day, value in candidates)
        for (day, bucket), n in counts.items():
            commands.append(("HINCRBY", self._hist_key(tenant_id, day), str(bucket), n))
        for day in {day for day, _ in counts}:
            commands.append(("EXPIRE", self._hist_key(tenant_id, day), TTL_S))
        if commands:
            await batcher(self._redis).calls(commands)


def _histogram(raw: Mapping[bytes, bytes]) -> dict[int, int]:
    return {int(k): int(v) for k, v in raw.items()}
