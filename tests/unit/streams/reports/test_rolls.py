"""Roll-rate arithmetic of the reminder report, checked against a hand computation."""

from __future__ import annotations

import pytest

from recaudo.contracts.state import RollSummary
from recaudo.streams.reports.rolls import compute_rolls


def summaries(arm: str, n: int, rolled: int, rolled_30: int) -> list[tuple[str, RollSummary]]:
    return [
        (
            f"{arm}-{i}",
            RollSummary(arm=arm, strat="s", c=1, l1=int(i < rolled), l30=int(i < rolled_30), n=2),
        )
        for i in range(n)
    ]


def test_reminded_against_holdout_with_newcombes_interval() -> None:
    items = summaries("holdout", 100, 25, 8) + summaries("champion", 100, 10, 2)
    items += items[:3]  # SCAN may return keys twice: counted once
    holdout, treated = compute_rolls(items)
    assert (holdout.arm, holdout.due_dates, holdout.rolled_1) == ("holdout", 100, 25)
    assert holdout.vs_holdout_1 is None
    assert (treated.arm, treated.debtors, treated.reminders) == ("champion", 100, 200)
    assert treated.roll_rate_1 == pytest.approx(0.10)
    assert treated.roll_rate_30 == pytest.approx(0.02)
    diff = treated.vs_holdout_1
    assert diff is not None
    assert diff.estimate == pytest.approx(-0.15)
    # By hand: Wilson 95% of 10/100 is [0.0552, 0.1744], of 25/100 [0.1755, 0.3430];
    # low = -0.15 - sqrt((0.10-0.0552)^2 + (0.3430-0.25)^2) = -0.2533,
    # high = -0.15 + sqrt((0.1744-0.10)^2 + (0.25-0.1755)^2) = -0.0447.
    assert (diff.low, diff.high) == (
        pytest.approx(-0.2533, abs=1e-4),
        pytest.approx(-0.0447, abs=1e-4),
    )


def test_arms_pool_as_treated_unless_split_and_no_holdout_says_so() -> None:
    items = summaries("champion", 10, 1, 0) + summaries("challenger", 10, 3, 1)
    [pooled] = compute_rolls(items, by_arm=False)
    assert (pooled.arm, pooled.due_dates, pooled.rolled_1) == ("treated", 20, 4)
    assert pooled.vs_holdout_1 is not None
    assert pooled.vs_holdout_1.status == "no baseline"
    assert compute_rolls(summaries("holdout", 3, 0, 0)[:0]) == []
