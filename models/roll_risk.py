"""Risk that a current account misses its due date: roll from current to 1+ days
past due, an online logistic regression (River) shared like the propensity model.

A reminder step is a scoring point: the account is current, has an amount due
and the step's day came. The label comes when that due date resolves, from the
accounting the decision core already keeps (``streams.decision.reminders``): paid on time
is 0, rolled to 1+ days past due is 1. One example per scoring point, so the
score at ``days_to_due`` means "of the accounts still unpaid this many days
before, how many roll" — the on-time payers have paid and left by the last days.

Features are a few numbers known at the scoring point, scaled by fixed
arithmetic (no learned scaler to checkpoint), rebuilt from the debtor's compact
roll summary when the label comes: days to the due date, the amount due (log),
earlier due dates watched and how many rolled, segment, reachable channels, and
whether the due date falls near a payday.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from recaudo.contracts.state import DebtorStateBase, RollSummary
from recaudo.models.shared_linear import SharedLogistic
from recaudo.models.uplift import payday_near

#: Below this many labels (merged over workers) the model ranks no one out.
WARM_LABELS = 200


@dataclass(frozen=True, slots=True)
class RollFeatures:
    """What is known about a due date at one scoring point."""

    days_to_due: int
    amount_due_minor: int
    cycles: int  # earlier due dates watched
    rolled: int  # of which rolled to 1+ days past due
    segment: str | None
    reachable: int  # channels neither bounced nor opted out
    payday: bool  # the due date is near a usual payday

    @classmethod
    def of(cls, state: DebtorStateBase, rem: RollSummary, days_to_due: int) -> RollFeatures:
        """From the debtor's state and roll summary (the current due date excluded)."""
        due = dt.date.fromisoformat(rem.cyc) if rem.cyc else None
        return cls(
            days_to_due=max(0, days_to_due),
            amount_due_minor=rem.amt,
            cycles=max(0, rem.c - 1),
            rolled=max(0, rem.l1 - int(rem.f1)),
            segment=state.seg,
            reachable=0
            if state.opt_all
            else sum(1 for p in state.points if not p.out and not p.bounced),
            payday=due is not None and payday_near(due),
        )

    def to_x(self) -> dict[str, float]:
        d = min(self.days_to_due, 10)
        x: dict[str, float] = {
            "days": d / 10.0,
            f"days={min(d, 4)}": 1.0,
            "due_log": math.log1p(max(0, self.amount_due_minor) / 100.0) / 10.0,
            "cycles": min(self.cycles, 12) / 12.0,
            "rolled_share": self.rolled / self.cycles if self.cycles else 0.0,
            "rolled": min(self.rolled, 6) / 6.0,
            "reachable": min(self.reachable, 4) / 4.0,
            "payday": float(self.payday),
        }
        if self.segment:
            x[f"seg={self.segment}"] = 1.0
        return x


class RollRiskModel(SharedLogistic):
    """``score`` is P(this due date rolls to 1+ days past due | unpaid at the scoring point)."""

    name = "roll_risk"
    # About one due date in four rolls before anything is learned.
    INTERCEPT_INIT = -1.0

    def __init__(self, lr: float = 0.1, l2: float = 1e-4) -> None:
        super().__init__(lr=lr, l2=l2)

    def score(self, features: RollFeatures) -> float:
        return self.score_x(features.to_x())

    def learn(self, features: RollFeatures, rolled: bool) -> None:
        self.learn_x(features.to_x(), rolled)

    @property
    def warm(self) -> bool:
        """Trained on enough labels to rank anyone out."""
        return self.n_seen >= WARM_LABELS
