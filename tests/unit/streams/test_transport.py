"""The transport's own parts: the livelock detector's commit clock (idle partitions
are not stuck ones) and the urgent partitions handed out first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from faust.types import TP

from recaudo.streams.transport import refresh_idle_commit, urgent_only


@dataclass
class Offsets:
    _read_offset: dict[str, int] = field(default_factory=dict)
    _committed_offset: dict[str, int] = field(default_factory=dict)


def test_an_idle_fully_committed_partition_counts_as_committed_now() -> None:
    # Faust's committed offset is the next one to read: 10 read, 11 committed.
    consumer = Offsets({"tp": 10}, {"tp": 11})
    clock: dict[Any, float] = {"tp": 100.0}
    refresh_idle_commit(consumer, clock, 900.0, "tp")
    assert clock["tp"] == 900.0


def test_a_partition_with_uncommitted_reads_keeps_its_old_commit_time() -> None:
    consumer = Offsets({"tp": 15}, {"tp": 11})
    clock: dict[Any, float] = {"tp": 100.0}
    refresh_idle_commit(consumer, clock, 900.0, "tp")
    assert clock["tp"] == 100.0, "a real stall must still be reported"


def test_a_partition_never_read_is_not_stuck() -> None:
    clock: dict[Any, float] = {}
    refresh_idle_commit(Offsets(), clock, 5.0, "tp")
    assert clock == {"tp": 5.0}


def test_urgent_only_picks_the_active_partitions_of_the_urgent_topics() -> None:
    active = {TP("p-accounts", 0), TP("p-payments", 0), TP("p-payments", 3), TP("p-responses", 1)}
    urgent = frozenset({"p-payments", "p-responses", "p-urgent-accounts"})
    assert urgent_only(active, urgent) == {
        TP("p-payments", 0),
        TP("p-payments", 3),
        TP("p-responses", 1),
    }
    # Lanes off (no urgent topics), or no partition active: nothing taken first.
    assert urgent_only(active, frozenset()) == set()
    assert urgent_only(set(), urgent) == set()
    assert urgent_only(None, urgent) == set()
