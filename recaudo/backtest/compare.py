"""Policies side by side on the same world: each against the first, paired by debtor.

Every policy ran on the same debtors with the same seed, so the difference of
what one debtor paid under two policies holds everything the policies did not
change constant; ``stats.paired_difference`` turns those per-debtor
differences into a total with a 95 % normal interval (no resampling, hence
the same interval for the same runs).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from recaudo.backtest.driver import BacktestResult
from recaudo.backtest.outcome import Truth
from recaudo.streams.reports import stats
from recaudo.streams.reports.model import Difference


@dataclass(frozen=True, slots=True)
class PolicyRun:
    """One policy's backtest; ``truth`` is (treated, never contacted) on a simulated world."""

    name: str
    result: BacktestResult
    truth: tuple[Truth, Truth] | None = None


class PolicyDifference(BaseModel):
    """``policy`` minus ``baseline`` over the same debtors of one tenant and currency."""

    model_config = ConfigDict(frozen=True)

    policy: str
    baseline: str
    tenant_id: str
    currency: str
    debtors: int
    contacts_diff: int
    recovered_diff: Difference
    true_recovered_diff: int | None


def _recovered(run: PolicyRun, tenant: str) -> dict[str, tuple[str, int, int]]:
    """debtor -> (currency, recovered, contacts) as the service measured them."""
    outcome = run.result.outcomes.get(tenant)
    if outcome is None:
        return {}
    return {debtor: (s.cur, s.rec, s.n) for debtor, s in outcome.summaries}


def compare(baseline: PolicyRun, other: PolicyRun) -> list[PolicyDifference]:
    """One row per tenant and currency: ``other`` minus ``baseline``, paired by debtor."""
    rows = []
    for tenant in sorted(baseline.result.outcomes.keys() | other.result.outcomes.keys()):
        base, mine = _recovered(baseline, tenant), _recovered(other, tenant)
        by_currency: dict[str, list[str]] = {}
        for debtor in sorted(base.keys() | mine.keys()):
            currency = (base.get(debtor) or mine[debtor])[0]
            by_currency.setdefault(currency, []).append(debtor)
        for currency, debtors in sorted(by_currency.items()):
            empty = (currency, 0, 0)
            pairs = [(mine.get(d, empty), base.get(d, empty)) for d in debtors]
            a = [float(m[1]) for m, _ in pairs]
            b = [float(x[1]) for _, x in pairs]
            contacts = sum(m[2] - x[2] for m, x in pairs)
            rows.append(
                PolicyDifference(
                    policy=other.name,
                    baseline=baseline.name,
                    tenant_id=tenant,
                    currency=currency,
                    debtors=len(debtors),
                    contacts_diff=contacts,
                    recovered_diff=stats.scaled(stats.paired_difference(a, b), len(debtors)),
                    true_recovered_diff=_true_diff(baseline.truth, other.truth, debtors),
                )
            )
    return rows


def _true_diff(
    base: tuple[Truth, Truth] | None, mine: tuple[Truth, Truth] | None, debtors: list[str]
) -> int | None:
    if base is None or mine is None:
        return None
    return sum(mine[0].get(d, 0) - base[0].get(d, 0) for d in debtors)
