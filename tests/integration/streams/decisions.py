"""Decisions for the recent-view tests: the n-th suppression of a debtor, a minute apart."""

from __future__ import annotations

import datetime as dt

from recaudo.contracts.outputs import Action, Decision
from recaudo.streams.decision.context import stable_id

T0 = dt.datetime(2026, 11, 18, 15, 0, tzinfo=dt.UTC)


def suppression(ref: tuple[str, str], n: int, version: str = "v1", seq: int = 1) -> Decision:
    """Decision ``seq`` of event ``ev-<n>``, named as the decision stage names it."""
    trigger = f"ev-{n}"
    return Decision(
        decision_id=stable_id(ref[0], trigger, str(seq)),
        tenant_id=ref[0],
        debtor_id=ref[1],
        action=Action.SUPPRESS,
        reasons=(),
        policy_version=version,
        trigger_event_id=trigger,
        trigger_type="account",
        decided_at=T0 + dt.timedelta(minutes=n),
        latency_s=0.01,
    )
