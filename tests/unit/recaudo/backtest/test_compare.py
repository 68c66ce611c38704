"""Policies compared debtor by debtor, and the arm rows with the simulator's truth."""

from __future__ import annotations

import datetime as dt

import pytest

from recaudo.backtest.compare import PolicyRun, compare
from recaudo.backtest.driver import BacktestResult
from recaudo.backtest.outcome import TenantOutcome, headline
from recaudo.contracts.state import OutcomeSummary
from recaudo.streams.reports import compute_report

START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


def summary(arm: str, rec: int, n: int = 0, cur: str = "COP") -> OutcomeSummary:
    return OutcomeSummary(arm=arm, strat="s", cur=cur, owed=1_000, rec=rec, n=n)


def run(name: str, recovered: dict[str, tuple[str, int, int]], truth: bool = False) -> PolicyRun:
    summaries = tuple((d, summary(arm, rec, n)) for d, (arm, rec, n) in recovered.items())
    result = BacktestResult(START, START + dt.timedelta(days=1))
    report = compute_report("t", summaries, ("arm", "channel"))
    result.outcomes = {"t": TenantOutcome(report, summaries)}
    treated = {d: rec + 1 for d, (_, rec, _) in recovered.items()}
    return PolicyRun(name, result, (treated, dict.fromkeys(treated, 1)) if truth else None)


def test_the_difference_is_paired_by_debtor_and_counts_a_missing_debtor_as_zero() -> None:
    base = run(
        "A", {"d1": ("champion", 100, 1), "d2": ("champion", 0, 2), "d3": ("holdout", 50, 0)}
    )
    other = run("B", {"d1": ("champion", 110, 2), "d2": ("champion", 10, 2)}, truth=True)
    [row] = compare(base, other)
    assert (row.policy, row.baseline, row.debtors) == ("B", "A", 3)
    assert row.contacts_diff == 1
    assert row.recovered_diff.estimate == pytest.approx(10 + 10 - 50)
    assert row.true_recovered_diff is None, "the truth needs both worlds"


def test_a_policy_against_itself_differs_by_exactly_zero() -> None:
    pairs = {"d1": ("champion", 100, 1), "d2": ("champion", 7, 3), "d3": ("holdout", 50, 0)}
    [row] = compare(run("A", pairs, truth=True), run("A#2", pairs, truth=True))
    assert row.contacts_diff == 0
    assert row.true_recovered_diff == 0
    assert (row.recovered_diff.estimate, row.recovered_diff.low, row.recovered_diff.high) == (
        0.0,
        0.0,
        0.0,
    )


def test_headline_puts_the_true_increment_beside_the_estimate() -> None:
    treated = {"d1": 300, "d2": 100, "d3": 0, "d4": 20}
    untreated = {"d1": 100, "d2": 100, "d3": 0, "d4": 20}
    summaries = (
        ("d1", summary("champion", 300, 2)),
        ("d2", summary("champion", 100, 1)),
        ("d3", summary("holdout", 0)),
        ("d4", summary("holdout", 20)),
    )
    outcome = TenantOutcome(compute_report("t", summaries, ("arm", "channel")), summaries)
    rows = {r.arm: r for r in headline("A", outcome, (treated, untreated))}
    champion = rows["champion"]
    assert champion.incremental_recovered is not None
    assert champion.incremental_recovered.estimate == pytest.approx(2 * (200 - 10))
    assert champion.true_incremental_recovered == 200
    assert champion.contacts == 3
    assert champion.recovered == 400
    assert rows["holdout"].true_incremental_recovered is None
    assert rows["holdout"].incremental_recovered is None
