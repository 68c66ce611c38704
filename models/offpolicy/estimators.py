"""Off-policy estimates of a challenger's value from the logging policy's records.

With logged propensity p_i = mu(a_i | x_i), reward r_i, contact c_i = [a_i != skip]
and the challenger's pi, the importance weight is w_i = pi(a_i | x_i) / p_i and:

- IPS    V = mean(w_i r_i)                          (unbiased when pi > 0 => mu > 0)
- SNIPS  V = sum(w_i r_i) / sum(w_i)                (a little bias, less variance)
- DR     V = mean(sum_a pi(a|x_i) q(x_i,a) + w_i (r_i - q(x_i,a_i)))
- per contact, IPS: sum(w_i r_i) / sum(w_i c_i); DR: V_DR / mean(pi(contact | x_i))
  (the challenger's contact rate is known exactly, so it needs no estimate).

Intervals are 95%: normal over the per-record terms (SNIPS by the delta method);
the per-contact ratios by a percentile bootstrap with a fixed seed. The effective
sample size (sum w)^2 / sum w^2 says how many logged records the estimate is
really worth; records where pi puts mass on options mu never takes (zero
support) are counted, since IPS cannot see them and only DR's model covers them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from recaudo.foundation.errors import EvaluationError
from recaudo.models.offpolicy.base import Challenger
from recaudo.models.offpolicy.direct import RewardModel
from recaudo.models.offpolicy.logged import SKIP, LoggedChoice

Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its 95% interval."""

    value: float
    low: float
    high: float

    def covers(self, truth: float) -> bool:
        return self.low <= truth <= self.high


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything ``recaudo evaluate`` prints, for one challenger on one log."""

    challenger: str
    records: int
    evaluated: int
    unsupported: int
    unsupported_ids: tuple[str, ...]
    zero_support: int
    logged_per_decision: float
    logged_per_contact: float | None
    logged_contact_rate: float
    contact_rate: float
    ips: Estimate
    snips: Estimate
    dr: Estimate
    ips_per_contact: Estimate | None
    dr_per_contact: Estimate | None
    ess: float
    max_weight: float

    @property
    def zero_support_share(self) -> float:
        return self.zero_support / self.evaluated if self.evaluated else 0.0


def _mean(xs: Sequence[float]) -> float:
    return math.fsum(xs) / len(xs)


def _normal(terms: Sequence[float], scale: float = 1.0, center: float | None = None) -> Estimate:
    n = len(terms)
    mean = _mean(terms)
    var = math.fsum((t - mean) ** 2 for t in terms) / (n - 1) if n > 1 else 0.0
    half = Z95 * math.sqrt(var / n) / scale
    value = mean if center is None else center
    return Estimate(value, value - half, value + half)


def _ratio(
    num: Sequence[float], den: Sequence[float], resamples: int, seed: int
) -> Estimate | None:
    """sum(num) / sum(den) with a percentile bootstrap interval; None if den is all zero."""
    total = math.fsum(den)
    if total <= 0.0:
        return None
    value = math.fsum(num) / total
    rng = random.Random(seed)
    n = len(num)
    population = range(n)
    draws: list[float] = []
    for _ in range(resamples):
        idx = rng.choices(population, k=n)
        d = sum(den[i] for i in idx)
        if d > 0.0:
            draws.append(sum(num[i] for i in idx) / d)
    if not draws:
        return Estimate(value, value, value)
    draws.sort()
    low = draws[int(0.025 * (len(draws) - 1))]
    high = draws[math.ceil(0.975 * (len(draws) - 1))]
    return Estimate(value, min(low, value), max(high, value))


def evaluate(
    choices: Sequence[LoggedChoice],
    rewards: Sequence[float],
    challenger: Challenger,
    *,
    name: str = "challenger",
    model: RewardModel | None = None,
    resamples: int = 400,
    seed: int = 0,
) -> Evaluation:
    """Estimate ``challenger``'s reward per decision and per contact on the logged choices.

    ``rewards[i]`` is the outcome of ``choices[i]``. ``model`` (default
    ``RewardModel()``) is fitted here on every logged record, supported or not.
    """
    if len(choices) != len(rewards):
        raise EvaluationError(f"{len(choices)} choices but {len(rewards)} rewards")
    if not choices:
        raise EvaluationError("no logged choices (decisions with options) to evaluate")
    model = (model or RewardModel()).fit(
        (c.features, c.taken, r) for c, r in zip(choices, rewards, strict=True)
    )
    w: list[float] = []
    r_kept: list[float] = []
    c_kept: list[float] = []
    dr_terms: list[float] = []
    pi_contact: list[float] = []
    unsupported: list[str] = []
    zero_support = 0
    for choice, reward in zip(choices, rewards, strict=True):
        pi = challenger.probabilities(choice.features, choice.options)
        if pi is None or not pi:
            unsupported.append(choice.decision_id)
            continue
        total = math.fsum(pi.values())
        if abs(total - 1.0) > 1e-6 or any(a not in choice.options or p < 0 for a, p in pi.items()):
            raise EvaluationError(
                f"decision {choice.decision_id}: the challenger's probabilities {pi} are not "
                f"a distribution over the offered options {sorted(choice.options)}"
            )
        if any(p > 0 and choice.options[a] <= 0 for a, p in pi.items()):
            zero_support += 1
        weight = pi.get(choice.taken, 0.0) / choice.propensity
        w.append(weight)
        r_kept.append(reward)
        c_kept.append(1.0 if choice.contacted else 0.0)
        direct = math.fsum(p * model.predict(choice.features, a) for a, p in pi.items())
        residual = reward - model.predict(choice.features, choice.taken)
        dr_terms.append(direct + weight * residual)
        pi_contact.append(math.fsum(p for a, p in pi.items() if a != SKIP))
    if not w:
        raise EvaluationError(
            f"the challenger supports none of the {len(choices)} logged choices "
            f"(first unsupported: {', '.join(unsupported[:3])})"
        )
    wr = [wi * ri for wi, ri in zip(w, r_kept, strict=True)]
    wc = [wi * ci for wi, ci in zip(w, c_kept, strict=True)]
    sum_w = math.fsum(w)
    sum_w2 = math.fsum(x * x for x in w)
    if sum_w > 0:
        snips_value = math.fsum(wr) / sum_w
        snips_terms = [wi * (ri - snips_value) for wi, ri in zip(w, r_kept, strict=True)]
        snips = _normal(snips_terms, scale=sum_w / len(w), center=snips_value)
    else:
        snips = Estimate(math.nan, math.nan, math.nan)
    all_r = list(rewards)
    contacts = sum(1 for c in choices if c.contacted)
    return Evaluation(
        challenger=name,
        records=len(choices),
        evaluated=len(w),
        unsupported=len(unsupported),
        unsupported_ids=tuple(unsupported[:10]),
        zero_support=zero_support,
        logged_per_decision=_mean(all_r),
        logged_per_contact=(math.fsum(all_r) / contacts if contacts else None),
        logged_contact_rate=contacts / len(choices),
        contact_rate=_mean(pi_contact),
        ips=_normal(wr),
        snips=snips,
        dr=_normal(dr_terms),
        ips_per_contact=_ratio(wr, wc, resamples, seed),
        dr_per_contact=_ratio(dr_terms, pi_contact, resamples, seed),
        ess=(sum_w * sum_w / sum_w2) if sum_w2 > 0 else 0.0,
        max_weight=max(w),
    )
