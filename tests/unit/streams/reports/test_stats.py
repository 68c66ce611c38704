"""Interval arithmetic against published and hand-computed values."""

from __future__ import annotations

import pytest

from recaudo.streams.reports import stats
from recaudo.streams.reports.model import Difference


def test_z_is_the_two_sided_95_quantile() -> None:
    assert abs(stats.Z - 1.959964) < 1e-6


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", table I.
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611)],
)
def test_wilson_matches_newcombe_1998(x: int, n: int, low: float, high: float) -> None:
    assert stats.wilson(x, n) == pytest.approx((low, high), abs=1e-4)


def test_newcombe_difference_matches_his_worked_example() -> None:
    # Newcombe (1998), "Interval estimation for the difference between independent
    # proportions", method 10, example (a): 56/70 - 48/80 = 0.2, 95% CI 0.0524 to 0.3339.
    d = stats.rate_difference(56, 70, 48, 80)
    assert d.estimate == pytest.approx(0.2)
    assert (d.low, d.high) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    assert d.status == "ok"


def test_welch_difference_by_hand() -> None:
    # treated mean 150, s^2 = 50000/3; holdout mean 50, s^2 = 2500;
    # se = sqrt(16666.67/4 + 2500/3) = sqrt(5000).
    d = stats.welch_difference([100, 300, 200, 0], [0, 100, 50])
    half = 1.959964 * 5000**0.5
    assert d.estimate == pytest.approx(100)
    assert (d.low, d.high) == pytest.approx((100 - half, 100 + half), rel=1e-6)


@pytest.mark.parametrize(("treated", "baseline"), [([1.0, 2.0], [5.0]), ([3.0], [1.0, 2.0, 3.0])])
def test_a_group_of_one_is_too_small_for_an_interval(
    treated: list[float], baseline: list[float]
) -> None:
    d = stats.welch_difference(treated, baseline)
    assert d.status == "n too small"
    assert d.estimate is not None
    assert d.low is None
    assert d.high is None
    assert stats.rate_difference(1, len(treated), 0, len(baseline)).status == "n too small"


def test_no_baseline_is_said_not_guessed() -> None:
    assert stats.welch_difference([1.0, 2.0], []) == Difference(status="no baseline")
    assert stats.rate_difference(1, 2, 0, 0) == Difference(status="no baseline")


def test_scaling_keeps_the_interval_in_step() -> None:
    d = stats.scaled(Difference(estimate=10, low=-2, high=22), 0.5)
    assert (d.estimate, d.low, d.high) == (5, -1, 11)
    assert stats.scaled(Difference(estimate=10, low=-2, high=22), None).status == "no contacts"


def test_a_paired_difference_of_identical_pairs_is_exactly_zero() -> None:
    values = [0.0, 120.0, 5.5, 9_000.0]
    assert stats.paired_difference(values, values) == Difference(estimate=0.0, low=0.0, high=0.0)


def test_a_paired_difference_is_narrower_than_welch_for_the_same_debtors() -> None:
    # Each debtor pays 10 more under the treatment, whatever they pay: pairing sees
    # only the constant shift, Welch the spread between debtors as well.
    baseline = [0.0, 100.0, 1_000.0, 50.0, 7.0]
    treated = [b + 10 + (i % 2) for i, b in enumerate(baseline)]
    paired = stats.paired_difference(treated, baseline)
    welch = stats.welch_difference(treated, baseline)
    assert paired.estimate == pytest.approx(10.4)
    # differences 10, 11, 10, 11, 10: sd 0.5477, se 0.2449
    assert (paired.low, paired.high) == pytest.approx((10.4 - 0.48, 10.4 + 0.48), abs=1e-2)
    assert welch.low is not None
    assert paired.low is not None
    assert welch.low < paired.low - 100


def test_a_paired_difference_needs_pairs() -> None:
    assert stats.paired_difference([], []).status == "no debtors"
    assert stats.paired_difference([3.0], [1.0]) == Difference(estimate=2.0, status="n too small")
    with pytest.raises(ValueError, match="same length"):
        stats.paired_difference([1.0, 2.0], [1.0])
