"""Rolling-window cap arithmetic, shared by the pure engine and the tests.

A cap "at most L contacts in any window W" holds for a sorted schedule
``t`` exactly when ``t[i + L] - t[i] >= W`` for every ``i``: no L + 1 contacts
fit inside a span shorter than W. ``caps.lua`` runs the same check in Redis.
The earliest admissible instant after a rejection is always the proposed
instant or some existing contact plus W, so those are the only candidates.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence

from recaudo.rules.rule import Cap


def fits(times: Sequence[dt.datetime], at: dt.datetime, limit: int, window: dt.timedelta) -> bool:
    """Would adding ``at`` to the sorted ``times`` keep every window within ``limit``?"""
    merged = list(times)
    k = bisect.bisect_left(merged, at)
    merged.insert(k, at)
    for i in range(max(0, k - limit), k + 1):
        j = i + limit
        if j < len(merged) and merged[j] - merged[i] < window:
            return False
    return True


def respects(times: Iterable[dt.datetime], limit: int, window: dt.timedelta) -> bool:
    """Does a whole schedule respect the cap (the property the ledger guarantees)?"""
    s = sorted(times)
    return all(s[i + limit] - s[i] >= window for i in range(len(s) - limit))


def blocking(history: dict[Cap, list[dt.datetime]], at: dt.datetime) -> list[Cap]:
    """The caps that ``at`` would break, given each cap's sorted contact times."""
    return [cap for cap, times in history.items() if not fits(times, at, cap.limit, cap.window)]


def earliest_free(history: dict[Cap, list[dt.datetime]], at: dt.datetime) -> dt.datetime:
    """The first instant >= ``at`` that breaks no cap."""
    if not blocking(history, at):
        return at
    candidates = sorted(
        {t + cap.window for cap, times in history.items() for t in times if t + cap.window > at}
    )
    for candidate in candidates:
        if not blocking(history, candidate):
            return candidate
    raise AssertionError("unreachable: the last candidate is always free")
