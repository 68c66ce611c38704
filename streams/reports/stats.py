"""Interval arithmetic for the outcome reports: stdlib only, 95% normal intervals.

Money per debtor against the holdout: a difference of means with Student's
pooled variance (``pooled_se`` says why not Welch's); per contact the delta
method for a ratio of means; always-valid intervals (confidence sequences)
for verdicts read every day. Challenger against champion arms, both large:
Welch's difference of means (no equal-variance assumption). Newcombe's
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
    return _interval(estimate, Z * se)


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
    # Identical pairs are exactly no difference: [0, 0] is the answer, not a lack of one.
    return Difference(estimate=estimate, low=estimate - Z * se, high=estimate + Z * se)


def pooled_se(treated: Sequence[float], baseline: Sequence[float]) -> float:
    """Student's pooled standard error of mean(treated) - mean(baseline).

    The holdout comparison's: a holdout is a few debtors per cell (5 % of a
    currency's debtors) and payments are heavy-tailed, so the holdout's own
    sample variance usually misses the rare large payer and Welch's interval
    is far too narrow (67 % coverage over 62 simulated worlds,
    ``bench.report_calibration``). Contact changes what few debtors pay, so
    the treated group's variance, measured on many debtors, is the better
    estimate of the holdout's too; pooling them is the randomisation variance
    of the difference under no effect (Imbens and Rubin, "Causal Inference",
    2015, ch. 5-6). Measured coverage: ``bench/README.md``.
    """
    n_t, n_b = len(treated), len(baseline)
    pooled = ((n_t - 1) * variance(treated) + (n_b - 1) * variance(baseline)) / (n_t + n_b - 2)
    return math.sqrt(pooled * (1 / n_t + 1 / n_b))


def holdout_quantile(n_t: int, n_b: int) -> float:
    """The 97.5 % Student t quantile at the Satterthwaite degrees of freedom.

    With one variance for both groups the Welch-Satterthwaite degrees of freedom
    depend on the group sizes alone, ``(1/n_t + 1/n_b)^2 / (1/(n_t^2 (n_t - 1)) +
    1/(n_b^2 (n_b - 1)))``: about ``n_b`` when the holdout is far smaller than the
    treated group, because the holdout's mean then carries nearly all the
    uncertainty. With 5 to 15 holdout debtors per cell the normal quantile is
    too short (92.0 % coverage on 50 fresh worlds; this one: ``bench/README.md``).
    """
    a, b = 1 / n_t, 1 / n_b
    df = (a + b) ** 2 / (a * a / (n_t - 1) + b * b / (n_b - 1))
    from scipy.special import stdtrit  # 0.4 s to import: only when an interval is asked

    return float(stdtrit(df, 0.5 + CONFIDENCE / 2))


def holdout_difference(treated: Sequence[float], baseline: Sequence[float]) -> Difference:
    """mean(treated) - mean(baseline) against a holdout: pooled variance, Student t."""
    if not treated or not baseline:
        return Difference(status="no baseline" if treated else "no debtors")
    estimate = fmean(treated) - fmean(baseline)
    if too_small(len(treated), len(baseline)):
        return Difference(estimate=estimate, status="n too small")
    se = pooled_se(treated, baseline)
    return _interval(estimate, se and holdout_quantile(len(treated), len(baseline)) * se)


def per_contact_difference(
    treated: Sequence[float], contacts: Sequence[float], baseline: Sequence[float]
) -> Difference:
    """(mean(treated) - mean(baseline)) / mean(contacts), contacts counted on the treated.

    The number of contacts is as random as what was recovered, so the interval is
    the delta method's for a ratio of means, not the per-debtor interval scaled by
    a fixed factor: each treated debtor contributes ``y - R * c`` (the linearised
    ratio), each holdout debtor ``y``; their pooled standard error (``pooled_se``)
    over the mean contacts is the estimate's.
    """
    if not treated or not baseline:
        return Difference(status="no baseline" if treated else "no debtors")
    mean_c = fmean(contacts)
    if not mean_c:
        return Difference(status="no contacts")
    estimate = (fmean(treated) - fmean(baseline)) / mean_c
    if too_small(len(treated), len(baseline)):
        return Difference(estimate=estimate, status="n too small")
    linear = [y - estimate * c for y, c in zip(treated, contacts, strict=True)]
    se = pooled_se(linear, baseline) / mean_c
    return _interval(estimate, se and holdout_quantile(len(treated), len(baseline)) * se)


def _interval(estimate: float, half: float) -> Difference:
    """``estimate`` +/- ``half``; no interval when nothing varied (``half`` 0)."""
    if half == 0:
        return Difference(estimate=estimate, status="no spread")
    return Difference(estimate=estimate, low=estimate - half, high=estimate + half)


#: The sample size the always-valid interval is tightest at (its mixing parameter):
#: a cell of about a thousand debtors, the size of a lender's first month.
SEQUENTIAL_TUNED_N = 1000


def always_valid(diff: Difference, n: int, alpha: float = 1 - CONFIDENCE) -> Difference:
    """A 95 % confidence sequence around ``diff``: valid however often it is read.

    The asymptotic confidence sequence of Waudby-Smith, Arbour, Sinha, Kennedy and
    Ramdas, "Time-uniform central limit theory and asymptotic confidence
    sequences" (Annals of Statistics, 2024), Theorem 2.2, with its Gaussian
    mixture boundary: with sigma the per-unit standard deviation (here
    ``se * sqrt(n)`` over the ``n`` debtors of the comparison), the half-width is
    ``sigma * sqrt(2 (n rho^2 + 1) / (n^2 rho^2) * log(sqrt(n rho^2 + 1) / alpha))``.
    Reading a fixed-sample 95 % interval every day and stopping at the first
    "ahead" would declare far more than 5 % false wins; this one keeps the
    error at 5 % over every day it is read, at the price of being wider
    (about 1.7x at ``SEQUENTIAL_TUNED_N`` debtors). The standard error is read off
    ``diff``'s half-width over 1.96, so a holdout interval's small-sample t factor
    (``holdout_quantile``) carries into the sequence.
    """
    if diff.estimate is None or diff.low is None or diff.high is None or n < 2:
        return diff
    se = (diff.high - diff.low) / (2 * Z)
    sigma = se * math.sqrt(n)
    log_term = -2 * math.log(alpha)
    rho2 = (log_term + math.log(log_term + 1)) / SEQUENTIAL_TUNED_N
    half = sigma * math.sqrt(
        2 * (n * rho2 + 1) / (n * n * rho2) * math.log(math.sqrt(n * rho2 + 1) / alpha)
    )
    return Difference(estimate=diff.estimate, low=diff.estimate - half, high=diff.estimate + half)


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
