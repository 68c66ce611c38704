"""The audit records of deciding, built in one place.

A part that adds to every record of some kind (the roll-risk score on a
reminder's record, ``reminders.with_roll_risk``) is an explicit enricher given
to the log, not an override. Records built here from already-validated inputs
use ``model_construct``: validating them again was a third of the stage's CPU
(bench/README.md); tests round-trip them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence

from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import Action, Decision, MessageContent, Purpose, Reason
from recaudo.contracts.ports import Learner, Target
from recaudo.contracts.state import Emitted
from recaudo.foundation.clock import Clock
from recaudo.rules.base import Verdict
from recaudo.streams.decision.context import Context
from recaudo.streams.decision.policies import Policies

#: Adds to a finished record (scores, model versions) from what the decision knows.
Enricher = Callable[[Context, Decision], Decision]


class DecisionLog:
    def __init__(
        self,
        policies: Policies,
        learner: Learner,
        clock: Clock,
        enrichers: Sequence[Enricher] = (),
    ) -> None:
        self._policies = policies
        self._learner = learner
        self._clock = clock
        self._enrichers = tuple(enrichers)

    def record(
        self,
        ctx: Context,
        action: Action,
        reasons: tuple[Reason, ...],
        *,
        account_id: str | None = None,
        contact_id: str | None = None,
        channel: Channel | None = None,
        defer_until: dt.datetime | None = None,
        scores: dict[str, float] | None = None,
        model_versions: dict[str, str] | None = None,
        verdict: Verdict | None = None,
        decision_id: str | None = None,
        target: Target | None = None,
        purpose: Purpose = "collection",
        content: MessageContent | None = None,
    ) -> Decision:
        profile = f"/{verdict.profile_version}" if verdict else ""
        assignment = self._policies.assignment(ctx)
        decision = Decision.model_construct(
            decision_id=decision_id or ctx.next_decision_id(),
            tenant_id=ctx.tenant_id,
            debtor_id=ctx.debtor_id,
            account_id=account_id,
            action=action,
            reasons=reasons,
            contact_id=contact_id,
            channel=channel,
            defer_until=defer_until,
            model_versions=model_versions or self._learner.versions(ctx.tenant_id),
            scores=scores or {},
            options=target.options if target else {},
            propensity=target.propensity if target else None,
            features=target.features if target else {},
            policy_version=f"{ctx.policy_version}{profile}",
            strategy=assignment.strategy,
            arm=assignment.arm,
            trigger_event_id=ctx.trigger_event_id,
            trigger_type=ctx.trigger_type,
            decided_at=self._clock.now(),
            # Processing latency is wall time whatever clock decides (a backtest or demo
            # runs simulated time; the broker stamped the record on the wall clock).
            latency_s=max(0.0, time.time() - ctx.received_at),
            purpose=purpose,
            # The message sent: built with the record, not copied onto it after.
            template_version=content.template_version if content else None,
            segments=content.segments if content else None,
        )
        for enrich in self._enrichers:
            decision = enrich(ctx, decision)
        return decision

    def cancelled(self, ctx: Context, emitted: Emitted, reasons: tuple[Reason, ...]) -> Decision:
        """The audit record of a contact stopped in the dispatch ledger."""
        return self.record(
            ctx,
            Action.CANCEL,
            reasons,
            account_id=emitted.account_id,
            contact_id=emitted.contact_id,
            channel=emitted.ch,
            purpose="reminder" if emitted.rem else "collection",
        )
