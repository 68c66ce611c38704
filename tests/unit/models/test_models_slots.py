from __future__ import annotations

import datetime as dt

from recaudo.models.slots import ALL_ARMS, N_SLOTS, arm_index, next_in_slot, slot_of, slot_of_hour


def test_arm_indices_are_a_permutation() -> None:
    assert sorted(a.index for a in ALL_ARMS) == list(range(len(ALL_ARMS)))
    assert all(arm_index(a.channel, a.slot) == a.index for a in ALL_ARMS)


def test_slots_cover_the_day_window_only() -> None:
    assert [slot_of_hour(h) for h in (7, 8, 10, 11, 16, 17, 20, 21)] == [
        None,
        0,
        0,
        1,
        2,
        3,
        3,
        None,
    ]
    assert N_SLOTS == 4


def test_slot_and_next_in_slot_use_local_time() -> None:
    tz = "America/Bogota"  # UTC-5, no DST
    at = dt.datetime(2025, 3, 3, 14, 30, tzinfo=dt.UTC)  # 09:30 local
    assert slot_of(at, tz) == 0
    assert next_in_slot(at, 0, tz) == at
    assert next_in_slot(at, 3, tz) == dt.datetime(2025, 3, 3, 22, 0, tzinfo=dt.UTC)
    late = dt.datetime(2025, 3, 4, 3, 0, tzinfo=dt.UTC)  # 22:00 local on the 3rd
    assert next_in_slot(late, 1, tz) == dt.datetime(2025, 3, 4, 16, 0, tzinfo=dt.UTC)
