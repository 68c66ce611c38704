"""Uplift: how much more a debtor pays when contacted than when left alone.

A two-model (treated / control) estimate over coarse context buckets. Treated
observations are cadence contacts; control observations are the holdout's
cadence steps (never contacted) and the steps the strategy skipped at random
while exploring. Each observation's label is the share of the amount due paid
within the attribution window, so the estimate is of money, not of "any
payment".

Counters are sums in Redis (``HINCRBYFLOAT``) in one hash per tenant and ISO
week: every worker adds to the same sums, so the shared model is merged, never
overwritten by the last writer; its version is the (faded) number of
observations behind it. Older weeks weigh less (``FADE`` per week), so a
portfolio that changes is followed.

Estimates shrink from fine buckets to coarser ones (full key -> without
segment -> days-past-due and amount -> days-past-due -> all) with ``STRENGTH``
pseudo-observations at each level: a bucket with little data borrows from its
parent instead of swinging on a handful of debtors.

Expiry: the hashes are named by the observation's ISO week (event time) and
``load`` reads the ``WEEKS`` weeks before the clock's instant, so their TTL
(``WEEKS`` + 1 weeks after the last write) is housekeeping.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher

#: Weight of an observation per week of age.
FADE = 0.7
WEEKS = 8
STRENGTH = 20.0
#: Before any data: contacted debtors pay a little more of what they owe than the rest.
PRIOR_TREATED = 0.15
PRIOR_CONTROL = 0.10
DPD_EDGES = (7, 15, 30, 60, 90, 180)
CONTACT_EDGES = (0, 1, 2)
#: Amount buckets, in the tenant's reference units (see contracts.targeting.currency_value).
AMOUNT_EDGES = (20_000.0, 80_000.0, 300_000.0)


def _bucket(value: float, edges: Sequence[float]) -> int:
    return sum(1 for edge in edges if value > edge)


def payday_near(day: dt.date) -> bool:
    """Around the usual paydays: mid-month and the turn of the month."""
    return day.day in (14, 15, 16) or day.day >= 28 or day.day <= 1


@dataclass(frozen=True, slots=True)
class Context:
    """The coarse context an uplift estimate is kept for."""

    dpd: int
    amount: int
    contacts: int
    payday: bool
    segment: str

    @classmethod
    def of(
        cls, dpd: int, amount_value: float, contacts_14d: int, day: dt.date, segment: str | None
    ) -> Context:
        return cls(
            _bucket(dpd, DPD_EDGES),
            _bucket(amount_value, AMOUNT_EDGES),
            _bucket(contacts_14d, CONTACT_EDGES),
            payday_near(day),
            segment or "_",
        )

    @property
    def key(self) -> str:
        return f"{self.dpd}.{self.amount}.{self.contacts}.{int(self.payday)}.{self.segment}"

    @classmethod
    def parse(cls, key: str) -> Context:
        dpd, amount, contacts, payday, segment = key.split(".", 4)
        return cls(int(dpd), int(amount), int(contacts), payday == "1", segment)

    def levels(self) -> tuple[str, ...]:
        """From coarsest to finest: the keys this context's estimate shrinks through."""
        return (
            "",
            f"{self.dpd}",
            f"{self.dpd}.{self.amount}",
            f"{self.dpd}.{self.amount}.{self.contacts}.{int(self.payday)}",
            self.key,
        )


@dataclass(frozen=True, slots=True)
class Observation:
    """One labelled decision point: contacted or not, and the share of the due paid."""

    context: str
    treated: bool
    paid_share: float
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Estimate:
    treated: float
    control: float
    n_treated: float
    n_control: float

    @property
    def uplift(self) -> float:
        return self.treated - self.control


class UpliftModel:
    """The in-memory estimate of one tenant, built from the faded sums."""

    def __init__(self, sums: dict[str, list[float]] | None = None) -> None:
        # level key -> [n_treated, paid_treated, n_control, paid_control]
        self._levels: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        for key, (nt, st, nc, sc) in (sums or {}).items():
            for level in Context.parse(key).levels():
                acc = self._levels[level]
                acc[0] += nt
                acc[1] += st
                acc[2] += nc
                acc[3] += sc

    @property
    def observations(self) -> float:
        root = self._levels.get("")
        return (root[0] + root[2]) if root else 0.0

    @property
    def version(self) -> str:
        return f"uplift-v1@{int(self.observations)}"

    def estimate(self, context: Context) -> Estimate:
        """Backed off through disjoint rings, so each observation counts once.

        Ring k holds the data of level k that is not in level k+1 (the same
        days-past-due but another amount, say); the estimate starts from the
        prior, takes the farthest ring, and refines inward to the debtor's own
        bucket, each step with ``STRENGTH`` pseudo-observations of the last.
        """
        levels = [self._levels.get(level, [0.0, 0.0, 0.0, 0.0]) for level in context.levels()]
        treated, control = PRIOR_TREATED, PRIOR_CONTROL
        for k, acc in enumerate(levels):
            inner = levels[k + 1] if k + 1 < len(levels) else [0.0, 0.0, 0.0, 0.0]
            nt, st, nc, sc = (acc[i] - inner[i] for i in range(4))
            treated = (st + STRENGTH * treated) / (max(nt, 0.0) + STRENGTH)
            control = (sc + STRENGTH * control) / (max(nc, 0.0) + STRENGTH)
        own = levels[-1]
        return Estimate(treated, control, own[0], own[2])


class UpliftBook:
    """The Redis side: observations added as sums, models read back faded."""

    def __init__(self, client: aioredis.Redis, keys: Keys) -> None:
        self._redis = client
        self._keys = keys

    def key(self, tenant_id: str, week: str) -> str:
        return self._keys.tenant(tenant_id, f"uplift:{week}")

    async def add(self, tenant_id: str, observations: Iterable[Observation]) -> None:
        commands: list[tuple[str | float, ...]] = []
        for obs in observations:
            key = self.key(tenant_id, _week(obs.at))
            side = "t" if obs.treated else "c"
            commands.append(("HINCRBYFLOAT", key, f"{obs.context}|{side}n", 1.0))
            commands.append(("HINCRBYFLOAT", key, f"{obs.context}|{side}s", obs.paid_share))
            commands.append(("EXPIRE", key, (WEEKS + 1) * 7 * 86400))
        await batcher(self._redis).calls(commands)

    async def load(self, tenant_id: str, now: dt.datetime) -> UpliftModel:
        weeks = [now - dt.timedelta(weeks=i) for i in range(WEEKS)]
        async with self._redis.pipeline(transaction=False) as pipe:
            for at in weeks:
                pipe.hgetall(self.key(tenant_id, _week(at)))
            replies = await pipe.execute()
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        for age, raw in enumerate(replies):
            weight = FADE**age
            for field, value in raw.items():
                name = field.decode() if isinstance(field, bytes) else str(field)
                context, _, kind = name.rpartition("|")
                slot = {"tn": 0, "ts": 1, "cn": 2, "cs": 3}.get(kind)
                if slot is None or not context:
                    continue
                amount = float(value)
                if math.isfinite(amount):
                    sums[context][slot] += weight * amount
        return UpliftModel(dict(sums))


def _week(at: dt.datetime) -> str:
    year, week, _ = at.astimezone(dt.UTC).isocalendar()
    return f"{year}w{week:02d}"
