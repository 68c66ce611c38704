"""One logged choice of the live strategy, checked before anything is estimated.

An estimate is only as good as the logged probabilities: options that do not sum
to one, or a taken action the log says was impossible, would bias every figure
silently, so they stop the evaluation with the decision id instead.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from recaudo.contracts.outputs import Action, Decision
from recaudo.foundation.errors import EvaluationError

SKIP = "skip"
#: The suppression reason the live strategy writes when it chooses not to contact.
SKIP_RULE_ID = "strategy.skip"
#: Tolerance for probabilities written as floats (JSON round-trips, summed shares).
TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class LoggedChoice:
    """A decision point: what was offered, with which probabilities, and what was taken."""

    decision_id: str
    debtor_id: str
    account_id: str | None
    decided_at: dt.datetime
    options: dict[str, float]
    taken: str
    features: dict[str, float | str]
    tenant_id: str

    @property
    def propensity(self) -> float:
        return self.options[self.taken]

    @property
    def contacted(self) -> bool:
        return self.taken != SKIP


def taken_option(decision: Decision) -> str:
    """The option a decision took: its channel (now, or deferred to the hour the strategy
    chose), or ``skip`` for the strategy's skip."""
    if decision.action in (Action.CONTACT, Action.DEFER) and decision.channel is not None:
        return str(decision.channel)
    if decision.action is Action.SUPPRESS and any(
        r.rule_id == SKIP_RULE_ID for r in decision.reasons
    ):
        return SKIP
    raise EvaluationError(
        f"decision {decision.decision_id}: logs options but its action {decision.action.value!r} "
        f"is neither a contact nor a {SKIP_RULE_ID} suppression"
    )


def choice_of(decision: Decision) -> LoggedChoice | None:
    """The checked choice, or None for decisions the strategy did not choose (no options)."""
    if not decision.options:
        return None
    did = decision.decision_id
    options = dict(decision.options)
    bad = {k: v for k, v in options.items() if not (math.isfinite(v) and 0.0 <= v <= 1.0)}
    if bad:
        raise EvaluationError(f"decision {did}: option probabilities outside [0, 1]: {bad}")
    total = math.fsum(options.values())
    if abs(total - 1.0) > TOLERANCE:
        raise EvaluationError(f"decision {did}: option probabilities sum to {total:.6g}, not 1")
    taken = taken_option(decision)
    if options.get(taken, 0.0) <= 0.0:
        raise EvaluationError(
            f"decision {did}: took {taken!r}, which its options give no probability: {options}"
        )
    if decision.propensity is not None and abs(decision.propensity - options[taken]) > TOLERANCE:
        raise EvaluationError(
            f"decision {did}: propensity {decision.propensity} differs from "
            f"options[{taken!r}] = {options[taken]}"
        )
    return LoggedChoice(
        decision_id=did,
        debtor_id=decision.debtor_id,
        account_id=decision.account_id,
        decided_at=decision.decided_at,
        options=options,
        taken=taken,
        features=dict(decision.features),
        tenant_id=decision.tenant_id,
    )


def number(features: dict[str, Any], name: str) -> float | None:
    """A numeric feature, or None when absent or not a number."""
    value = features.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
