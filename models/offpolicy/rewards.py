"""Rewards: what a debtor paid on the account within a window after the decision.

Payments are joined by tenant, debtor and account (a decision without an account counts
every account of the debtor), from strictly after the decision up to and
including the window's end: a payment at the decision's instant cannot have
been caused by it. Reversals subtract. Amounts become reference units through the
tenant's ``currency_value`` so debts in different currencies add up.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import accumulate

from recaudo.contracts.events import PaymentEvent
from recaudo.models.offpolicy.logged import LoggedChoice

Valuer = Callable[[int, str], float]


def _unit(amount_minor: int, currency: str) -> float:
    return float(amount_minor)


class PaymentIndex:
    """Payments by (tenant, debtor, account) in time order, with prefix sums for window queries."""

    def __init__(self, payments: Iterable[PaymentEvent], value_of: Valuer = _unit) -> None:
        rows: dict[tuple[str, str, str], list[tuple[dt.datetime, float]]] = defaultdict(list)
        seen: set[str] = set()
        for p in payments:
            # Events are delivered at least once; an event id counts once.
            event = f"{p.tenant_id}/{p.event_id}"
            if event in seen:
                continue
            seen.add(event)
            sign = -1.0 if p.reversal_of else 1.0
            rows[(p.tenant_id, p.debtor_id, p.account_id)].append(
                (p.paid_at, sign * value_of(p.amount.amount_minor, p.amount.currency))
            )
        self._times: dict[tuple[str, str, str], list[dt.datetime]] = {}
        self._sums: dict[tuple[str, str, str], list[float]] = {}
        self._accounts: dict[tuple[str, str], list[str]] = defaultdict(list)
        for key, items in rows.items():
            items.sort(key=lambda item: item[0])
            self._times[key] = [t for t, _ in items]
            self._sums[key] = [0.0, *accumulate(v for _, v in items)]
            self._accounts[key[:2]].append(key[2])

    def __len__(self) -> int:
        return sum(len(t) for t in self._times.values())

    def paid(
        self,
        tenant_id: str,
        debtor_id: str,
        account_id: str | None,
        after: dt.datetime,
        window: dt.timedelta,
    ) -> float:
        """Total paid in ``(after, after + window]`` on the account (or every account)."""
        debtor = (tenant_id, debtor_id)
        accounts = [account_id] if account_id is not None else self._accounts.get(debtor, [])
        total = 0.0
        for account in accounts:
            times = self._times.get((*debtor, account))
            if not times:
                continue
            sums = self._sums[(*debtor, account)]
            lo = bisect.bisect_right(times, after)
            hi = bisect.bisect_right(times, after + window)
            total += sums[hi] - sums[lo]
        return total


def rewards_for(
    choices: Iterable[LoggedChoice], index: PaymentIndex, window: dt.timedelta
) -> list[float]:
    """The reward of each choice: paid by its debtor on its account within ``window``."""
    return [
        index.paid(c.tenant_id, c.debtor_id, c.account_id, c.decided_at, window) for c in choices
    ]
