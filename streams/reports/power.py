"""How much data a holdout comparison still needs: the minimum detectable effect and the
holdout size or days that would detect the effect seen so far.

A manager reading "not enough data yet" wants to know whether to wait a week
or change the holdout. The verdict is read off the always-valid interval
(``stats.always_valid``), so an effect is detectable with 80 % power when it
exceeds that interval's half-width plus 0.84 standard errors. The per-debtor
variance is the pooled one the interval uses (``stats.pooled_se``), taken as
it is now; more debtors shrink each group's share as ``1 / n``. Days assume
debtors keep enrolling at the rate seen so far (new delinquencies), which is
the only volume the report can see; a portfolio
loaded all at once has no such rate, and then only the holdout size is given.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from recaudo.streams.reports import stats
from recaudo.streams.reports.model import Difference, Power

POWER = 0.8
Z_POWER = NormalDist().inv_cdf(POWER)  # 0.8416...
#: Debtors per day below which no enrolment rate is read (one bulk load has none).
MIN_SPAN_DAYS = 2.0
#: How far ahead a suggestion may look; beyond it the answer is "not at this volume".
MAX_GROWTH = 1000


def detectable(var: float, n_t: int, n_h: int) -> float:
    """The smallest effect per debtor detected with 80 % power by the always-valid verdict."""
    # The standard error as the report's interval widens it (Student t on a small holdout).
    se = math.sqrt(var / n_t + var / n_h) * stats.holdout_quantile(n_t, n_h) / stats.Z
    interval = stats.always_valid(
        Difference(estimate=0.0, low=-stats.Z * se, high=stats.Z * se), n_t + n_h
    )
    assert interval.high is not None
    return interval.high + Z_POWER * se


def plan(var: float, n_t: int, n_h: int, effect: float | None, span_days: float) -> Power:
    """The minimum detectable effect now and, for ``effect``, what would detect it."""
    mde = detectable(var, n_t, n_h)
    target = abs(effect) if effect else None
    if target is None or target >= mde:
        return Power(minimum_detectable_effect=mde, effect=target)
    total = n_t + n_h
    needed = next(
        (h for h in range(n_h + 1, total // 2 + 1) if detectable(var, total - h, h) <= target),
        None,
    )
    more_days = None
    per_day = total / span_days if span_days >= MIN_SPAN_DAYS else None
    if per_day:
        # Grow both groups at today's split until the effect is detectable.
        growth = 1.0
        while (
            growth < MAX_GROWTH
            and detectable(var, math.ceil(n_t * growth), math.ceil(n_h * growth)) > target
        ):
            growth *= 1.1
        if growth < MAX_GROWTH:
            more_days = span_days * (growth - 1)
    return Power(
        minimum_detectable_effect=mde,
        effect=target,
        holdout_debtors_needed=needed,
        debtors_per_day=per_day,
        more_days_needed=more_days,
    )
