"""Roll rates of courtesy reminders: reminded debtors against the holdout.

Pure, like ``outcomes``: ``(debtor_id, RollSummary)`` pairs in, one row per
strategy and arm out. Every due date watched while the account was current is
one trial; it failed if the account then rolled to 1+ (or 30+) days past due on
it. Due dates of one debtor are counted as independent trials; with one due
date a month per debtor, a report spanning a few months mildly understates the
interval's width.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from recaudo.contracts.state import RollSummary
from recaudo.streams.reports import stats
from recaudo.streams.reports.model import Difference, RollRow

HOLDOUT = "holdout"
TREATED = "treated"


@dataclass
class _Cell:
    debtors: set[str] = field(default_factory=set)
    due_dates: int = 0
    reminders: int = 0
    rolled_1: int = 0
    rolled_30: int = 0

    def add(self, debtor: str, s: RollSummary) -> None:
        self.debtors.add(debtor)
        self.due_dates += s.c
        self.reminders += s.n
        self.rolled_1 += s.l1
        self.rolled_30 += s.l30


def compute_rolls(items: Iterable[tuple[str, RollSummary]], by_arm: bool = True) -> list[RollRow]:
    """One row per (strategy, arm); arms other than holdout are pooled unless ``by_arm``."""
    cells: dict[tuple[str, str], _Cell] = {}
    seen: set[str] = set()
    for debtor, s in items:
        if debtor in seen or s.c == 0:
            continue  # SCAN may return a key twice
        seen.add(debtor)
        arm = s.arm if by_arm or s.arm == HOLDOUT else TREATED
        cells.setdefault((s.strat, arm), _Cell()).add(debtor, s)
    rows = []
    for (strategy, arm), cell in sorted(
        cells.items(), key=lambda kv: (kv[0][0], kv[0][1] != HOLDOUT, kv[0][1])
    ):
        holdout = cells.get((strategy, HOLDOUT))
        rows.append(_row(strategy, arm, cell, None if arm == HOLDOUT else holdout))
    return rows


def _row(strategy: str, arm: str, cell: _Cell, holdout: _Cell | None) -> RollRow:
    def diff(x: int, x_h: int) -> Difference:
        if holdout is None:
            return Difference(status="no baseline")
        return stats.rate_difference(x, cell.due_dates, x_h, holdout.due_dates)

    treated = arm != HOLDOUT
    return RollRow(
        strategy=strategy,
        arm=arm,
        debtors=len(cell.debtors),
        due_dates=cell.due_dates,
        reminders=cell.reminders,
        rolled_1=cell.rolled_1,
        rolled_30=cell.rolled_30,
        roll_rate_1=stats.ratio(cell.rolled_1, cell.due_dates),
        roll_rate_30=stats.ratio(cell.rolled_30, cell.due_dates),
        vs_holdout_1=diff(cell.rolled_1, holdout.rolled_1 if holdout else 0) if treated else None,
        vs_holdout_30=diff(cell.rolled_30, holdout.rolled_30 if holdout else 0)
        if treated
        else None,
    )
