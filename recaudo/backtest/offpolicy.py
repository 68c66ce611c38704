"""On a dated log, each policy's off-policy estimate beside its contact diff.

A log cannot say how the debtors would have answered contacts that never
happened (``diff.NO_COUNTERFACTUAL``), but where the lender's own decisions
logged the probability of every option they had, the choices the logging
policy really made can be reweighted by how likely the candidate policy was
to make them. That is ``recaudo evaluate``; this module only picks the
records a backtest speaks for (its tenants, its window) and calls the same
functions of ``models.offpolicy`` in the same order, with the payments of the
event log as rewards, so both commands print the same numbers for the same
files. Without such a log, one plain line says why there is no estimate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from recaudo.foundation.errors import EvaluationError
from recaudo.models.offpolicy import (
    Evaluation,
    Log,
    LoggedChoice,
    LoggedPolicy,
    PaymentIndex,
    PolicyChallenger,
    RewardModel,
    evaluate,
    read_log,
    rewards_for,
)
from recaudo.models.offpolicy.cli import as_json
from recaudo.rules.policy import TenantPolicy
from recaudo.rules.tenants import TenantPolicies

#: A payment within this many days after a decision is its reward: ``recaudo
#: evaluate``'s default, so the two commands agree on the same files.
WINDOW_DAYS = 7.0

NO_DECISIONS = (
    "Off-policy estimate: none, no decisions log was given (--decisions FILE: the "
    "lender's decisions with their propensities, as `recaudo evaluate` reads them)."
)


@dataclass(frozen=True, slots=True)
class DecisionLog:
    """The lender's decisions and the event log's payments, read before any policy runs,
    so a malformed record stops the backtest at once instead of after its runs."""

    path: Path
    log: Log

    @classmethod
    def read(cls, decisions: str | Path, events: str | Path) -> DecisionLog:
        path = Path(decisions)
        return cls(path, read_log([path, Path(events)]))


@dataclass(frozen=True, slots=True)
class OffPolicyEstimate:
    """One policy's estimate for one tenant, or the note saying why there is none."""

    policy: str
    baseline: str
    tenant_id: str
    evaluation: Evaluation | None = None
    #: ``recaudo evaluate --format json``'s report for the same choices, as it prints it.
    report: dict[str, object] | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "policy": self.policy,
            "baseline": self.baseline,
            "tenant_id": self.tenant_id,
            "note": self.note,
            "evaluate": self.report,
        }


@dataclass(frozen=True, slots=True)
class OffPolicy:
    """Every policy after the first, estimated per tenant; or one line saying why not."""

    note: str | None
    estimates: tuple[OffPolicyEstimate, ...] = ()
    window_days: float = WINDOW_DAYS

    def as_dict(self) -> dict[str, object]:
        return {
            "note": self.note,
            "window_days": self.window_days,
            "estimates": [e.as_dict() for e in self.estimates],
        }


def off_policy(
    logged: DecisionLog | None,
    policies: Sequence[tuple[str, str | None]],
    tenants: Sequence[str],
    start: dt.datetime,
    end: dt.datetime,
) -> OffPolicy:
    """Each of ``policies`` (name, folder) after the first, the base, estimated on the
    logged choices of ``tenants`` decided in ``[start, end]``: the stretch whose
    contacts the backtest diffed."""
    if logged is None:
        return OffPolicy(NO_DECISIONS)
    window = [
        c for c in logged.log.choices if c.tenant_id in tenants and start <= c.decided_at <= end
    ]
    if not window:
        return OffPolicy(
            f"Off-policy estimate: none, {logged.path.name} carries no propensities: none of "
            f"its decisions for {', '.join(tenants)} from {start.isoformat()} to "
            f"{end.isoformat()} logs the options it had and their probabilities."
        )
    baseline = policies[0][0]
    estimates = []
    for name, folder in policies[1:]:
        by_tenant = TenantPolicies(tenants, folder)
        for tenant in tenants:
            mine = [c for c in window if c.tenant_id == tenant]
            head = OffPolicyEstimate(name, baseline, tenant)
            estimates.append(_estimate(head, by_tenant(tenant), mine, logged.log))
    return OffPolicy(None, tuple(estimates))


def _estimate(
    head: OffPolicyEstimate, policy: TenantPolicy, choices: list[LoggedChoice], log: Log
) -> OffPolicyEstimate:
    """``recaudo evaluate``'s steps on one tenant's choices (its defaults: no threshold
    override, 400 bootstrap draws, seed 0); a tenant it cannot estimate gets a note."""
    if not choices:
        return replace(head, note="no decision of this tenant in the window logs propensities")
    challenger = PolicyChallenger(policy)
    index = PaymentIndex(log.payments, policy.targeting.value_of)
    rewards = rewards_for(choices, index, dt.timedelta(days=WINDOW_DAYS))
    try:
        ev = evaluate(
            choices,
            rewards,
            challenger,
            name=challenger.name,
            model=RewardModel(value_of=policy.targeting.value_of),
        )
        check = evaluate(choices, rewards, LoggedPolicy(), name=LoggedPolicy.name, resamples=0)
    except EvaluationError as exc:
        return replace(head, note=str(exc))
    return replace(head, evaluation=ev, report=as_json(ev, check, log, WINDOW_DAYS))
