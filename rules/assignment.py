"""Champion/challenger assignment: a deterministic hash of tenant and debtor.

The same debtor always lands in the same arm (replays and restarts agree, no
state needed); a fixed slice is held out from any strategy contact to measure
the strategies' lift.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Assignment:
    strategy: str
    arm: str
    holdout: bool


HOLDOUT_ARM = "holdout"


def unit_hash(*parts: str) -> float:
    """A stable number in [0, 1) from ``parts`` (blake2b, not Python's salted hash)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def assign(
    strategy: str,
    arms: Sequence[tuple[str, float]],
    holdout: float,
    tenant_id: str,
    debtor_id: str,
) -> Assignment:
    """Pick an arm by weight for this debtor, or the holdout."""
    u = unit_hash(strategy, tenant_id, debtor_id)
    if u < holdout:
        return Assignment(strategy, HOLDOUT_ARM, holdout=True)
    point = (u - holdout) / (1 - holdout) * sum(w for _, w in arms)
    for name, weight in arms:
        if point < weight:
            return Assignment(strategy, name, holdout=False)
        point -= weight
    return Assignment(strategy, arms[-1][0], holdout=False)
