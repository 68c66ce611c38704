"""Rolling-window arithmetic: the exact rule the Redis script also applies."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from recaudo.rules.rolling import earliest_free, fits, respects
from recaudo.rules.rule import Cap, Rule

T0 = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


def cap(limit: int, window_h: int) -> Cap:
    return Cap(Rule(f"t.{limit}.{window_h}", "test"), limit, window_h * H)


def test_fits_counts_windows_on_both_sides() -> None:
    """A future reservation also constrains an earlier insertion."""
    times = [T0 + 10 * H]
    assert not fits(times, T0 + 5 * H, limit=1, window=7 * H)
    assert fits(times, T0 + 3 * H, limit=1, window=7 * H)  # exactly W apart is allowed
    assert fits(times, T0 + 17 * H, limit=1, window=7 * H)


def test_earliest_free_is_the_oldest_contact_plus_window() -> None:
    c = cap(2, 24)
    history = {c: [T0, T0 + 2 * H]}
    assert earliest_free(history, T0 + 3 * H) == T0 + 24 * H


@settings(max_examples=150, deadline=None)
@given(
    offsets=st.lists(st.integers(0, 96), max_size=8),
    at=st.integers(0, 120),
    limit=st.integers(1, 3),
    window=st.integers(1, 48),
)
def test_earliest_free_is_admissible_and_minimal(
    offsets: list[int], at: int, limit: int, window: int
) -> None:
    """Brute force over the hour grid: nothing earlier fits, the answer fits."""
    c = cap(limit, window)
    times = sorted(T0 + o * H for o in offsets)
    if not respects(times, limit, window * H):
        times = times[:limit]  # the ledger never holds an over-cap schedule
    found = earliest_free({c: times}, T0 + at * H)
    assert found >= T0 + at * H
    assert fits(times, found, limit, window * H)
    assert respects([*times, found], limit, window * H)
    hour = T0 + at * H
    while hour < found:
        assert not fits(times, hour, limit, window * H)
        hour += H
