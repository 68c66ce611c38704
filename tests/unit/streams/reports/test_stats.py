"""Interval arithmetic against published and hand-computed values."""

from __future__ import annotations

import random

import pytest

from recaudo.streams.reports import power, stats
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


def test_holdout_difference_pools_the_two_variances_by_hand() -> None:
    # s^2 treated 50000/3 (n 4), holdout 2500 (n 3): pooled (3 * 50000/3 + 2 * 2500) / 5
    # = 11000; se = sqrt(11000 * (1/4 + 1/3)).
    # Satterthwaite df for one variance: (1/4 + 1/3)^2 / ((1/4)^2/3 + (1/3)^2/2) = 4.4545.
    d = stats.holdout_difference([100, 300, 200, 0], [0, 100, 50])
    assert stats.holdout_quantile(4, 3) == pytest.approx(2.6682, abs=1e-3)
    half = stats.holdout_quantile(4, 3) * (11000 * 7 / 12) ** 0.5
    assert d.estimate == pytest.approx(100)
    assert (d.low, d.high) == pytest.approx((100 - half, 100 + half), rel=1e-6)


def test_a_small_holdout_gets_the_t_quantile_of_its_own_size() -> None:
    # Student's t table: t(0.975, 4) = 2.776, t(0.975, 9) = 2.262; a huge holdout: z.
    assert stats.holdout_quantile(10**9, 5) == pytest.approx(2.776, abs=1e-3)
    assert stats.holdout_quantile(10**9, 10) == pytest.approx(2.262, abs=1e-3)
    assert stats.holdout_quantile(10**6, 10**6) == pytest.approx(stats.Z, abs=1e-3)


def test_per_contact_with_the_same_contacts_each_is_the_per_debtor_difference() -> None:
    treated, holdout = [100.0, 300.0, 200.0, 0.0], [0.0, 100.0, 50.0]
    per_contact = stats.per_contact_difference(treated, [2.0] * 4, holdout)
    per_debtor = stats.holdout_difference(treated, holdout)
    assert per_debtor.estimate
    assert per_debtor.low
    assert per_debtor.high
    assert per_contact.estimate == pytest.approx(per_debtor.estimate / 2)
    assert (per_contact.low, per_contact.high) == pytest.approx(
        (per_debtor.low / 2, per_debtor.high / 2)
    )


def test_the_per_contact_interval_covers_the_true_ratio() -> None:
    # Recovered grows with contacts, and contacts vary: the delta method's 95 % interval
    # covers mean effect / mean contacts in about 95 % of samples (not ~80 % as the
    # per-debtor interval scaled by a fixed factor would).
    rng = random.Random(5)
    covered, reps = 0, 400
    for _ in range(reps):
        contacts = [float(rng.randint(0, 4)) for _ in range(300)]
        treated = [rng.expovariate(1 / 50) + 40 * c for c in contacts]
        holdout = [rng.expovariate(1 / 50) for _ in range(300)]
        d = stats.per_contact_difference(treated, contacts, holdout)
        assert d.low is not None
        assert d.high is not None
        covered += d.low <= 40.0 <= d.high
    assert 0.92 <= covered / reps <= 0.98


def test_always_valid_keeps_false_wins_at_5_percent_when_read_every_day() -> None:
    # No true difference; the interval is read after every 10 debtors per group, up to
    # 300, and a "win" is declared the first time it excludes 0. Read this way, the
    # fixed-sample interval declares far more than 5 %; the confidence sequence does not.
    rng = random.Random(11)
    fixed_wins = sequential_wins = 0
    runs = 300
    for _ in range(runs):
        a: list[float] = []
        b: list[float] = []
        fixed = sequential = False
        for _ in range(30):
            a += [rng.gauss(0, 1) for _ in range(10)]
            b += [rng.gauss(0, 1) for _ in range(10)]
            d = stats.welch_difference(a, b)
            assert d.low is not None
            assert d.high is not None
            fixed = fixed or not d.low <= 0 <= d.high
            s = stats.always_valid(d, len(a) + len(b))
            assert s.low is not None
            assert s.high is not None
            assert s.low < d.low
            sequential = sequential or not s.low <= 0 <= s.high
        fixed_wins += fixed
        sequential_wins += sequential
    assert fixed_wins / runs > 0.15
    assert sequential_wins / runs <= 0.05


def test_the_plan_suggests_a_holdout_that_detects_the_effect() -> None:
    now = power.plan(var=4e6, n_t=950, n_h=50, effect=600.0, span_days=30)
    assert now.minimum_detectable_effect > 600, "50 holdout debtors cannot see 600"
    assert now.holdout_debtors_needed is not None
    assert now.more_days_needed is not None
    h = now.holdout_debtors_needed
    assert power.detectable(4e6, 1000 - h, h) <= 600 < power.detectable(4e6, 1001 - h, h - 1)
    impossible = power.plan(var=4e6, n_t=950, n_h=50, effect=300.0, span_days=30)
    assert impossible.holdout_debtors_needed is None, "no split of 1,000 debtors sees 300"
    assert impossible.more_days_needed is not None
    assert impossible.more_days_needed > 30
    bigger = power.plan(var=4e6, n_t=9500, n_h=500, effect=300.0, span_days=30)
    assert bigger.minimum_detectable_effect < now.minimum_detectable_effect
    seen = power.plan(var=4e6, n_t=950, n_h=50, effect=5000.0, span_days=30)
    assert seen.holdout_debtors_needed is None
    assert seen.more_days_needed is None
    loaded_at_once = power.plan(4e6, 950, 50, effect=600.0, span_days=0.1)
    assert loaded_at_once.debtors_per_day is None
    assert loaded_at_once.more_days_needed is None


def test_groups_without_spread_have_no_interval() -> None:
    """Zero variance on both sides is no evidence of certainty: no interval, said so."""
    assert stats.holdout_difference([0.0] * 5, [0.0] * 3) == Difference(
        estimate=0.0, status="no spread"
    )
    assert stats.welch_difference([7.0] * 4, [2.0] * 2) == Difference(
        estimate=5.0, status="no spread"
    )
    d = stats.per_contact_difference([0.0] * 4, [2.0] * 4, [0.0] * 2)
    assert (d.estimate, d.status) == (0.0, "no spread")
    assert stats.holdout_difference([0.0, 10.0], [0.0, 0.0]).status == "ok"
