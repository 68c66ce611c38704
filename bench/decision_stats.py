"""Paired-by-seed statistics for ``bench.decision_quality``.

Every strategy runs on the same seeds (common random numbers), so each figure
is compared seed by seed: a t-interval over seeds for means and differences, a
seed bootstrap (pairs kept) for ratios of means.
"""

from __future__ import annotations

import math
import random
import statistics

BOOTSTRAP = 10_000
# Two-sided 95% Student t quantiles by degrees of freedom.
_T95 = {1: 12.71, 2: 4.30, 3: 3.18, 4: 2.78, 5: 2.57, 6: 2.45, 7: 2.36, 8: 2.31, 9: 2.26}


def ci(values: list[float]) -> tuple[float, float]:
    """Mean and half-width of its 95% confidence interval (t over seeds); NaN when unknown."""
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return float("nan"), float("nan")
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, float("nan")
    t = _T95.get(len(values) - 1, 1.96)
    return mean, t * statistics.stdev(values) / math.sqrt(len(values))


def ratio_of_means(a: list[float], b: list[float]) -> tuple[float, float, float]:
    """mean(a) / mean(b) with a percentile interval from resampling seeds (pairs kept).

    A ratio per seed breaks down when a baseline's incremental recovery is near
    zero or negative on some seed; the ratio of the means does not.
    """
    rng = random.Random(0)
    n = len(a)
    base = statistics.fmean(b)
    point = statistics.fmean(a) / base if base else math.nan
    draws = []
    for _ in range(BOOTSTRAP):
        idx = [rng.randrange(n) for _ in range(n)]
        denominator = statistics.fmean(b[i] for i in idx)
        if denominator > 0:
            draws.append(statistics.fmean(a[i] for i in idx) / denominator)
    draws.sort()
    if len(draws) < BOOTSTRAP * 0.95:
        return point, -math.inf, math.inf  # the baseline's mean is not even surely positive
    return point, draws[int(0.025 * len(draws))], draws[int(0.975 * len(draws)) - 1]


def verdict(low: float, high: float, goal: float) -> str:
    """A goal "at least ``goal``" read off a 95% interval."""
    return "met" if low >= goal else ("NOT met" if high < goal else "not shown at 95%")
