"""Interval arithmetic for the outcome reports: stdlib only, 95% normal intervals.

Welch's difference of means for money per debtor (no equal-variance assumption:
the treated and holdout groups differ in size and spread), and Newcombe's
hybrid score interval for a difference of two proportions (built from Wilson
intervals, so it stays inside [-1, 1] and behaves at rates near 0, where
opt-out and complaint rates live); a paired interval for the same debtors
measured under two policies.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist, fmean, variance

from recaudo.streams.reports.model import Difference

CONFIDENCE = 0.95
Z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)  # 1.959964...
MIN_N = 2  # a group needs two debtors for a variance, hence an interval


def too_small(n_a: int, n_b: int) -> bool:
    return n_a < MIN_N or n_b < MIN_N


def welch_difference(treated: Sequence[float], baseline: Sequence[float]) -> Difference:
    """mean(treated) - mean(baseline) with a Welch (unequal variances) normal interval."""
    if not treated or not baseline:
        return Difference(status="no baseline" if treated else "no debtors")
    estimate = fmean(treated) - fmean(baseline)
    if too_small(len(treated), len(baseline)):
        return Difference(estimate=estimate, status="n too small")
    se = math.sqrt(variance(treated) / len(treated) + variance(baseline) / len(baseline))
    return Difference(estimate=estimate, low=estimate - Z * se, high=estimate + Z * se)


def paired_difference(treated: Sequence[float], baseline: Sequence[float]) -> Difference:
    """Mean of the per-unit differences ``treated[i] - baseline[i]`` with a normal interval.

    For the same units measured twice (a debtor under two policies): pairing
    removes the spread between units, so the interval is far narrower than
    Welch's. No randomness, so the same pairs always give the same interval.
    """
    if len(treated) != len(baseline):
        raise ValueError("paired samples must have the same length")
    if not treated:
        return Difference(status="no debtors")
    diffs = [a - b for a, b in zip(treated, baseline, strict=True)]
    estimate = fmean(diffs)
    if len(diffs) < MIN_N:
        return Difference(estimate=estimate, status="n too small")
    se = math.sqrt(variance(diffs) / len(diffs))
    return Difference(estimate=estimate, low=estimate - Z * se, high=estimate + Z * se)


def scaled(diff: Difference, factor: float | None) -> Difference:
    """The same difference in other units (e.g. per contact instead of per debtor)."""
    if factor is None:
        return Difference(status="no contacts")
    if diff.estimate is None:
        return diff
    return Difference(
        estimate=diff.estimate * factor,
        low=None if diff.low is None else diff.low * factor,
        high=None if diff.high is None else diff.high * factor,
        status=diff.status,
    )


def wilson(successes: int, n: int) -> tuple[float, float]:
    """Wilson score interval of a proportion; (0, 1) when n is 0."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = Z * Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_difference(x_a: int, n_a: int, x_b: int, n_b: int) -> Difference:
    """x_a/n_a - x_b/n_b with Newcombe's hybrid score interval (his method 10)."""
    if n_a == 0 or n_b == 0:
        return Difference(status="no baseline" if n_a else "no debtors")
    p_a, p_b = x_a / n_a, x_b / n_b
    estimate = p_a - p_b
    if too_small(n_a, n_b):
        return Difference(estimate=estimate, status="n too small")
    l_a, u_a = wilson(x_a, n_a)
    l_b, u_b = wilson(x_b, n_b)
    low = estimate - math.sqrt((p_a - l_a) ** 2 + (u_b - p_b) ** 2)
    high = estimate + math.sqrt((u_a - p_a) ** 2 + (p_b - l_b) ** 2)
    return Difference(estimate=estimate, low=low, high=high)


def ratio(num: float, den: float) -> float | None:
    return num / den if den else None
