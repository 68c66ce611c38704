"""Paydays and local calendars: when simulated debtors have money to pay with.

Payment hazard is multiplied on paydays: the 15th, the last business days of
the month, and for some debtors a weekly payday, all on the debtor's local
date. Days are counted from the run's start date in each region's time zone.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_ms(t: dt.datetime) -> int:
    """Milliseconds since the epoch: the world's exact, integer clock."""
    if t.tzinfo is None:
        raise ValueError("naive datetime")
    return (t - EPOCH) // dt.timedelta(milliseconds=1)


def from_ms(ms: int) -> dt.datetime:
    return EPOCH + dt.timedelta(milliseconds=ms)


def month_paydays(first: dt.date, n_days: int, last_business: int) -> npt.NDArray[np.bool_]:
    """``out[k]``: date ``first + k`` is the 15th or one of the month's last business days."""
    out = np.zeros(n_days, dtype=np.bool_)
    for k in range(n_days):
        d = first + dt.timedelta(days=k)
        if d.day == 15:
            out[k] = True
            continue
        if d.weekday() >= 5:
            continue
        # Count business days after d in its month.
        later, x = 0, d + dt.timedelta(days=1)
        while x.month == d.month:
            later += x.weekday() < 5
            x += dt.timedelta(days=1)
        out[k] = later < last_business
    return out


def local_midnights(
    start: dt.datetime, zones: tuple[str, ...], n_days: int
) -> tuple[tuple[dt.date, ...], npt.NDArray[np.int64]]:
    """Per zone: the local date of ``start`` and the UTC ms of local midnight of each day after."""
    firsts = []
    table = np.zeros((len(zones), n_days), dtype=np.int64)
    for r, name in enumerate(zones):
        zone = ZoneInfo(name)
        first = start.astimezone(zone).date()
        firsts.append(first)
        for k in range(n_days):
            local = dt.datetime.combine(first + dt.timedelta(days=k), dt.time(), tzinfo=zone)
            table[r, k] = to_ms(local)
    return tuple(firsts), table


def day_weights(
    offset: int, n: int, paydays: npt.NDArray[np.bool_], weekday0: int, weekly: int,
    mean_days: float, boost: float,
) -> list[float]:  # fmt: skip
    """Hazard weights of paying on day ``offset + k`` (k < n): decaying, boosted on paydays.

    ``weekday0`` is the weekday of day 0; ``weekly`` the debtor's weekly payday or -1.
    """
    out = []
    for k in range(n):
        day = offset + k
        payday = bool(paydays[day]) if day < len(paydays) else False
        payday = payday or (weekly >= 0 and (weekday0 + day) % 7 == weekly)
        out.append(math.exp(-k / mean_days) * (boost if payday else 1.0))
    return out


def sample_day(rng: random.Random, weights: list[float]) -> int:
    return rng.choices(range(len(weights)), weights=weights)[0]
