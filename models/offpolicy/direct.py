"""The direct reward model q(x, a) that doubly robust estimation corrects.

Deliberately simple: the mean logged reward per (option, days-past-due bucket),
shrunk towards the option's mean with ``prior`` pseudo-records, and the option's
mean towards the overall mean the same way. Sparse cells borrow strength instead
of being trusted on three records; DR stays unbiased whatever q is (it only needs
the logged probabilities right), a better q only narrows the interval.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from recaudo.models.offpolicy.logged import number

#: Lower edges of the days-past-due buckets (collections' usual 30-day buckets).
DPD_EDGES: tuple[int, ...] = (0, 16, 31, 61, 91, 121, 181)


def dpd_bucket(features: Mapping[str, float | str], edges: Sequence[int] = DPD_EDGES) -> int:
    """Index of the bucket holding the logged ``dpd``; -1 when it was not logged."""
    dpd = number(dict(features), "dpd")
    if dpd is None:
        return -1
    return max(bisect.bisect_right(edges, dpd) - 1, 0)


class RewardModel:
    """Shrunk per-(option, dpd bucket) mean reward, fitted once on the logged records."""

    def __init__(self, prior: float = 20.0, edges: Sequence[int] = DPD_EDGES) -> None:
        self.prior = prior
        self.edges = tuple(edges)
        self._overall = 0.0
        self._option: dict[str, float] = {}
        self._cell: dict[tuple[str, int], float] = {}

    def fit(self, rows: Iterable[tuple[Mapping[str, float | str], str, float]]) -> RewardModel:
        """Fit on (features, option taken, reward) triples."""
        cell_sum: dict[tuple[str, int], float] = defaultdict(float)
        cell_n: dict[tuple[str, int], int] = defaultdict(int)
        for features, option, reward in rows:
            key = (option, dpd_bucket(features, self.edges))
            cell_sum[key] += reward
            cell_n[key] += 1
        n = sum(cell_n.values())
        self._overall = sum(cell_sum.values()) / n if n else 0.0
        opt_sum: dict[str, float] = defaultdict(float)
        opt_n: dict[str, int] = defaultdict(int)
        for (option, _), total in cell_sum.items():
            opt_sum[option] += total
            opt_n[option] += cell_n[(option, _)]
        self._option = {o: self._shrink(opt_sum[o], opt_n[o], self._overall) for o in opt_sum}
        self._cell = {k: self._shrink(cell_sum[k], cell_n[k], self._option[k[0]]) for k in cell_sum}
        return self

    def _shrink(self, total: float, n: int, towards: float) -> float:
        return (total + self.prior * towards) / (n + self.prior)

    def predict(self, features: Mapping[str, float | str], option: str) -> float:
        """q(x, a): the cell's mean, else the option's, else the overall mean."""
        key = (option, dpd_bucket(features, self.edges))
        if key in self._cell:
            return self._cell[key]
        return self._option.get(option, self._overall)
