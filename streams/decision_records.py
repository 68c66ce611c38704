"""The audit side of deciding: decision records, cancellations and learner rewards.

Records built here from already-validated inputs use ``model_construct``:
validating them again was a third of the stage's CPU (bench/README.md); tests
round-trip them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from recaudo.contracts.events import (
    Channel,
)
from recaudo.contracts.outputs import Action, Decision, MessageContent, Purpose, Reason
from recaudo.contracts.ports import AssignmentLike, Learner, StepLike, Target
from recaudo.contracts.schedule import Entry
from recaudo.contracts.state import EarlyOutcome, Emitted, PendingContact
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.rules.base import Verdict
from recaudo.rules.ports import Compliance, ContactPolicy
from recaudo.rules.reminders import is_reminder
from recaudo.streams.decision_context import Context, Effects
from recaudo.streams.state import DebtorState


class DecisionRecords:
    def __init__(
        self,
        policy_for: Callable[[str], ContactPolicy],
        compliance: Compliance,
        learner: Learner,
        contact_ttl: dt.timedelta,
        clock: Clock = WALL_CLOCK,
        settle: dt.timedelta = dt.timedelta(0),
    ) -> None:
        self._policy_for = policy_for
        self._compliance = compliance
        self._learner = learner
        self._contact_ttl = contact_ttl
        # How long a dun waits before it is sent (Settings.contact_settle_s).
        self._settle = settle
        self._clock = clock

    def policy_version(self, tenant_id: str) -> str:
        return self._policy_for(tenant_id).version

    def cancel_decision(
        self, ctx: Context, emitted: Emitted, reasons: tuple[Reason, ...]
    ) -> Decision:
        """The audit record of a contact stopped in the dispatch ledger."""
        return self._decision(
            ctx,
            Action.CANCEL,
            reasons,
            account_id=emitted.acct,
            contact_id=emitted.cid,
            channel=emitted.ch,
            purpose="reminder" if emitted.rem else "collection",
        )

    def _learn(
        self,
        ctx: Context,
        state: DebtorState,
        contact_id: str,
        positive: bool,
        fx: Effects,
        weight: int = 1,
    ) -> None:
        outcome = self._learner.reward(ctx.tenant_id, state, contact_id, positive, weight)
        if outcome is not None:
            fx.outcomes.append(outcome)
        elif contact_id not in {e.cid for e in state.emitted} | {o.cid for o in state.early}:
            # Not emitted (yet): a replay may emit it again (``resolve`` rewards it then).
            early = EarlyOutcome(cid=contact_id, pos=positive, w=weight, t=ctx.now.timestamp())
            state.early.append(early)

    def _assignment(self, ctx: Context) -> AssignmentLike:
        if ctx.assignment is None:
            policy = self._policy_for(ctx.tenant_id)
            ctx.assignment = policy.assign(ctx.tenant_id, ctx.debtor_id)
        return ctx.assignment

    def _current_step(self, ctx: Context, dpd: int, segment: str | None) -> StepLike | None:
        arm = self._assignment(ctx).arm
        return self._policy_for(ctx.tenant_id).cadence_step(dpd, segment, arm)

    # -- proposal, deferral, cancellation ------------------------------------

    def _drop_pending(
        self,
        state: DebtorState,
        contact_id: str,
        ctx: Context,
        fx: Effects,
        keep_schedule: bool = False,
    ) -> None:
        before = len(state.pending)
        state.pending = [p for p in state.pending if p.cid != contact_id]
        if len(state.pending) != before and not keep_schedule:
            fx.schedule_remove.append(Entry(ctx.tenant_id, ctx.debtor_id, contact_id, "contact"))

    def _cancel_where(
        self,
        state: DebtorState,
        matches: Callable[[str | None, Channel | None], bool],
        reasons: tuple[Reason, ...],
        ctx: Context,
        fx: Effects,
    ) -> None:
        keep: list[PendingContact] = []
        for pending in state.pending:
            if not matches(pending.acct, pending.ch):
                keep.append(pending)
                continue
            fx.schedule_remove.append(Entry(ctx.tenant_id, ctx.debtor_id, pending.cid, "contact"))
            fx.decisions.append(
                self._decision(
                    ctx,
                    Action.CANCEL,
                    reasons,
                    account_id=pending.acct,
                    contact_id=pending.cid,
                    channel=pending.ch,
                    purpose="reminder" if is_reminder(pending.step) else "collection",
                )
            )
        state.pending = keep
        still: list[Emitted] = []
        for emitted in state.emitted:
            # Past its expiry the ledger may have forgotten it (a wall TTL): only a
            # contact that can still be waiting is asked after.
            if matches(emitted.acct, emitted.ch) and emitted.exp > ctx.now.timestamp():
                fx.cancel_emitted.append((emitted, reasons))
            else:
                still.append(emitted)
        state.emitted = still

    def _cancel_account(
        self,
        state: DebtorState,
        account_id: str,
        reasons: tuple[Reason, ...],
        ctx: Context,
        fx: Effects,
    ) -> None:
        self._cancel_where(state, lambda acct, _ch: acct == account_id, reasons, ctx, fx)

    def _cancel_channel(
        self,
        state: DebtorState,
        channel: Channel,
        reasons: tuple[Reason, ...],
        ctx: Context,
        fx: Effects,
    ) -> None:
        self._cancel_where(state, lambda _acct, ch: ch == channel, reasons, ctx, fx)

    def _cancel_all(
        self, state: DebtorState, reasons: tuple[Reason, ...], ctx: Context, fx: Effects
    ) -> None:
        self._cancel_where(state, lambda _acct, _ch: True, reasons, ctx, fx)

    def _decision(
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
        decided_at = self._clock.now()
        profile = f"/{verdict.profile_version}" if verdict else ""
        assignment = self._assignment(ctx)
        return Decision.model_construct(
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
            decided_at=decided_at,
            # Processing latency is wall time whatever clock decides (a backtest or demo
            # runs simulated time; the broker stamped the record on the wall clock).
            latency_s=max(0.0, time.time() - ctx.received_at),
            purpose=purpose,
            # The message sent: built with the record, not copied onto it after.
            template_version=content.template_version if content else None,
            segments=content.segments if content else None,
        )
