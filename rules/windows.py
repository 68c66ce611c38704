"""Contact windows in the debtor's local time, and the next allowed instant.

Windows are compared in local wall-clock time through ``zoneinfo``, so DST
shifts move the UTC instants, never the local hours. When the debtor's zone is
unknown, an instant must be inside the window in every zone of the
jurisdiction at once (12 CFR 1006.6(b)(1)(i) for the US; the same caution
elsewhere).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from recaudo.rules.calendar import is_holiday
from recaudo.rules.rule import Hours, WindowRule

#: How far ahead to look for an open window before giving up.
HORIZON_DAYS = 60


@dataclass(frozen=True, slots=True)
class Calendar:
    """Where the holidays come from: country and optional subdivision."""

    country: str
    subdiv: str | None = None


def _hours_on(rule: WindowRule, day: dt.date, cal: Calendar) -> Hours | None:
    if rule.skip_holidays and is_holiday(cal.country, cal.subdiv, day):
        return None
    return rule.days.get(day.isoweekday())


def is_open(rule: WindowRule, at: dt.datetime, zone: ZoneInfo, cal: Calendar) -> bool:
    local = at.astimezone(zone)
    today = _hours_on(rule, local.date(), cal)
    return today is not None and today.contains(local.time())


def _local_instant(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """``day time`` in ``zone`` as UTC; a wall time skipped by DST maps past the gap."""
    naive = dt.datetime.combine(day, time)
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)


# Every proposal of a day asks for the same few windows in the same zones: the
# UTC bounds of (day, hours, zone) are computed once and reused.
@lru_cache(maxsize=4096)
def _bounds(day: dt.date, hours: Hours, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    return _local_instant(day, hours.start, zone), _local_instant(day, hours.end, zone)


def next_open(rule: WindowRule, at: dt.datetime, zone: ZoneInfo, cal: Calendar) -> dt.datetime:
    """The first instant >= ``at`` at which ``rule`` is open in ``zone``."""
    if is_open(rule, at, zone, cal):
        return at
    local = at.astimezone(zone)
    for offset in range(HORIZON_DAYS + 1):
        day = local.date() + dt.timedelta(days=offset)
        h = _hours_on(rule, day, cal)
        if h is None:
            continue
        start, end = _bounds(day, h, zone)
        if end <= at:
            continue
        return max(start, at)
    raise ValueError(f"window {rule.rule.id} never opens within {HORIZON_DAYS} days")


def first_allowed(
    rules: Sequence[WindowRule], zones: Sequence[ZoneInfo], at: dt.datetime, cal: Calendar
) -> dt.datetime:
    """The earliest instant >= ``at`` inside every rule in every zone."""
    t = at
    limit = at + dt.timedelta(days=HORIZON_DAYS)
    while t <= limit:
        moved = False
        for rule in rules:
            for zone in zones:
                nxt = next_open(rule, t, zone, cal)
                if nxt != t:
                    t, moved = nxt, True
        if not moved:
            return t
    raise ValueError(f"no instant inside every contact window within {HORIZON_DAYS} days")


def closed_rules(
    rules: Sequence[WindowRule], zones: Sequence[ZoneInfo], at: dt.datetime, cal: Calendar
) -> list[WindowRule]:
    """The rules (in order) that forbid ``at`` in at least one zone."""
    return [r for r in rules if any(not is_open(r, at, z, cal) for z in zones)]
