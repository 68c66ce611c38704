"""Two policies on a dated log of real events: which contacts change, not what they earn.

A log holds what the debtors did after the contacts really made; how they
would have answered contacts that never happened cannot be known, so a
backtest on a log does not compare recoveries. It shows the policy diff
instead: the contacts the second policy adds and removes, by channel, hour of
decision and rule, and how many debtors that touches. A debtor who loses one
contact and gains another counts one contact *moved*.
"""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, ConfigDict

from recaudo.backtest.driver import ContactKey

NO_COUNTERFACTUAL = (
    "A dated log of real events: how the debtors would have answered contacts that "
    "never happened cannot be known, so recoveries are not compared. Each policy's "
    "contacts against the first's:"
)


class ContactDiff(BaseModel):
    """``policy`` minus ``baseline``: contacts added and removed on the same log."""

    model_config = ConfigDict(frozen=True)

    policy: str
    baseline: str
    added: int
    removed: int
    moved: int
    debtors_affected: int
    by_channel: dict[str, tuple[int, int]]
    by_hour: dict[int, tuple[int, int]]
    by_rule: dict[str, tuple[int, int]]


def contact_diff(
    baseline: str, base: Counter[ContactKey], policy: str, mine: Counter[ContactKey]
) -> ContactDiff:
    """(added, removed) by channel, hour and rule; debtors whose contacts changed."""
    added, removed = mine - base, base - mine
    per_debtor: dict[tuple[str, str], list[int]] = {}
    for sign, changed in ((0, added), (1, removed)):
        for (tenant, debtor, *_), n in changed.items():
            per_debtor.setdefault((tenant, debtor), [0, 0])[sign] += n

    def split(index: int) -> dict[object, tuple[int, int]]:
        keys = sorted({k[index] for k in added} | {k[index] for k in removed})
        return {
            k: (
                sum(n for key, n in added.items() if key[index] == k),
                sum(n for key, n in removed.items() if key[index] == k),
            )
            for k in keys
        }

    return ContactDiff.model_validate(
        {
            "policy": policy,
            "baseline": baseline,
            "added": added.total(),
            "removed": removed.total(),
            "moved": sum(min(a, r) for a, r in per_debtor.values()),
            "debtors_affected": len(per_debtor),
            "by_channel": split(2),
            "by_hour": split(3),
            "by_rule": split(4),
        }
    )
