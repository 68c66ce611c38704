"""The direct reward model q(x, a) that doubly robust estimation corrects.

Deliberately simple: a recovery rate per (option, days-past-due bucket) times the
amount due, q(x, a) = rate(a, bucket(x)) * amount(x). Rates are ratio means
(sum of rewards / sum of amounts), each shrunk towards its option's rate, and
the option's towards the overall rate, by ``prior`` pseudo-records of average
amount: sparse cells borrow strength instead of being trusted on three records.
When some record has no logged amount, every amount counts as 1 and q is the
shrunk mean reward per cell. DR stays unbiased whatever q is (it needs only the
logged probabilities right); a better q only narrows the interval.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from recaudo.models.offpolicy.base import Features
from recaudo.models.offpolicy.logged import number

#: Reference value of a debt in minor units of a currency (``Targeting.value_of``).
Valuer = Callable[[int, str], float]


def amount_of(features: Features, value_of: Valuer | None = None) -> float | None:
    """The logged amount due in reference units, or None when it was not logged."""
    amount = number(dict(features), "amount_due_minor")
    currency = features.get("currency")
    if amount is None:
        return None
    if value_of is None or not isinstance(currency, str):
        return amount
    return value_of(int(amount), currency)


#: Lower edges of the days-past-due buckets (collections' usual 30-day buckets).
DPD_EDGES: tuple[int, ...] = (0, 16, 31, 61, 91, 121, 181)


def dpd_bucket(features: Features, edges: Sequence[int] = DPD_EDGES) -> int:
    """Index of the bucket holding the logged ``dpd``; -1 when it was not logged."""
    dpd = number(dict(features), "dpd")
    if dpd is None:
        return -1
    return max(bisect.bisect_right(edges, dpd) - 1, 0)


class RewardModel:
    """Shrunk recovery rate per (option, dpd bucket), fitted once on the logged records."""

    def __init__(
        self,
        prior: float = 20.0,
        edges: Sequence[int] = DPD_EDGES,
        value_of: Valuer | None = None,
    ) -> None:
        self.prior = prior
        self.edges = tuple(edges)
        self.value_of = value_of
        self.scaled = True
        self._unit = 1.0
        self._overall = 0.0
        self._option: dict[str, float] = {}
        self._cell: dict[tuple[str, int], float] = {}

    def _scale(self, features: Features) -> float:
        amount = amount_of(features, self.value_of) if self.scaled else None
        return 1.0 if amount is None else amount

    def fit(self, rows: Iterable[tuple[Features, str, float]]) -> RewardModel:
        """Fit on (features, option taken, reward) triples."""
        data = list(rows)
        self.scaled = bool(data) and all(
            amount_of(f, self.value_of) is not None for f, _, _ in data
        )
        cell_r: dict[tuple[str, int], float] = defaultdict(float)
        cell_s: dict[tuple[str, int], float] = defaultdict(float)
        for features, option, reward in data:
            key = (option, dpd_bucket(features, self.edges))
            cell_r[key] += reward
            cell_s[key] += self._scale(features)
        total_s = sum(cell_s.values())
        # A pseudo-record weighs as much as an average record.
        self._unit = total_s / len(data) if data else 1.0
        self._overall = sum(cell_r.values()) / total_s if total_s > 0 else 0.0
        opt_r: dict[str, float] = defaultdict(float)
        opt_s: dict[str, float] = defaultdict(float)
        for (option, bucket), r in cell_r.items():
            opt_r[option] += r
            opt_s[option] += cell_s[(option, bucket)]
        self._option = {o: self._shrink(opt_r[o], opt_s[o], self._overall) for o in opt_r}
        self._cell = {k: self._shrink(cell_r[k], cell_s[k], self._option[k[0]]) for k in cell_r}
        return self

    def _shrink(self, rewards: float, scale: float, towards: float) -> float:
        weight = self.prior * self._unit
        return (rewards + weight * towards) / (scale + weight)

    def rate(self, features: Features, option: str) -> float:
        """The cell's shrunk rate, else the option's, else the overall rate."""
        key = (option, dpd_bucket(features, self.edges))
        if key in self._cell:
            return self._cell[key]
        return self._option.get(option, self._overall)

    def predict(self, features: Features, option: str) -> float:
        """q(x, a): the expected reward of ``option`` in this context."""
        return self.rate(features, option) * self._scale(features)
