"""How a decision is made, whatever triggered it: propose a contact to the
rules and the learner, defer it, cancel what is pending, write the record.

``streams.decide`` says what each event means; this module is the mechanics it
uses. Records built here from already-validated inputs use ``model_construct``:
validating them again was a third of the stage's CPU (bench/README.md); tests
round-trip them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from recaudo.rules.base import ContactProposal, HistoryItem, HistoryKind, Verdict
from recaudo.streams.events import (
    AccountFlags,
    Channel,
)
from recaudo.streams.outputs import Action, ContactCommand, Decision, MessageContent, Reason
from recaudo.streams.ports import (
    AssignmentLike,
    CapVerdict,
    Compliance,
    ContactPolicy,
    Learner,
    MessageComposer,
    Outcome,
    StepLike,
)
from recaudo.streams.schedule import Entry
from recaudo.streams.state import (
    AccountState,
    DebtorState,
    Emitted,
    HistoryEntry,
    PendingContact,
)


def stable_id(*parts: str, size: int = 12) -> str:
    return hashlib.blake2b("|".join(parts).encode(), digest_size=size).hexdigest()


@dataclass
class Context:
    tenant_id: str
    debtor_id: str
    trigger_event_id: str
    trigger_type: str
    now: dt.datetime
    received_at: float
    policy_version: str
    seq: int = 0
    assignment: AssignmentLike | None = None

    def next_decision_id(self) -> str:
        self.seq += 1
        return stable_id(self.tenant_id, self.trigger_event_id, str(self.seq))


@dataclass
class Proposed:
    """A contact the rules allow now; it still has to pass the frequency caps."""

    contact_id: str
    account_id: str
    channel: Channel
    address: str
    step: StepLike
    trigger: str
    verdict: Verdict
    scores: dict[str, float]
    model_versions: dict[str, str]
    context: object | None = None


@dataclass
class Effects:
    decisions: list[Decision] = field(default_factory=list)
    contacts: list[ContactCommand] = field(default_factory=list)
    proposed: list[Proposed] = field(default_factory=list)
    schedule_add: list[tuple[Entry, float]] = field(default_factory=list)
    schedule_remove: list[Entry] = field(default_factory=list)
    # Contacts already handed to dispatch that must now be stopped.
    cancel_emitted: list[tuple[Emitted, tuple[Reason, ...]]] = field(default_factory=list)
    # Observations for the learners' Redis side, persisted after the commit.
    outcomes: list[Outcome] = field(default_factory=list)


class DecisionMaker:
    # Renders each contact's message (issue 10); wired in streams.wiring.
    composer: MessageComposer | None = None

    def __init__(
        self,
        policy_for: Callable[[str], ContactPolicy],
        compliance: Compliance,
        learner: Learner,
        contact_ttl: dt.timedelta,
    ) -> None:
        self._policy_for = policy_for
        self._compliance = compliance
        self._learner = learner
        self._contact_ttl = contact_ttl

    def policy_version(self, tenant_id: str) -> str:
        return self._policy_for(tenant_id).version

    def resolve(
        self, state: DebtorState, proposed: Proposed, caps: CapVerdict, ctx: Context, fx: Effects
    ) -> None:
        """Turn a rule-allowed proposal into a contact, or a deferral if a cap is full."""
        reasons = (*proposed.verdict.reasons, *caps.reasons)
        if not caps.ok:
            retry_at = caps.retry_at or ctx.now + dt.timedelta(hours=1)
            self._defer(state, proposed, retry_at, reasons, ctx, fx)
            return
        account = state.accounts[proposed.account_id]
        policy = self._policy_for(ctx.tenant_id)
        assignment = self._assignment(ctx)
        content = self._compose(state, proposed, ctx)
        if isinstance(content, Reason):
            # Missing required content: never sent, and the record says which rule.
            self._drop_pending(state, proposed.contact_id, ctx, fx)
            fx.decisions.append(
                self._decision(
                    ctx,
                    Action.SUPPRESS,
                    (*reasons, content),
                    account_id=proposed.account_id,
                    contact_id=proposed.contact_id,
                    channel=proposed.channel,
                    verdict=proposed.verdict,
                )
            )
            return
        decision_id = ctx.next_decision_id()
        fx.contacts.append(
            ContactCommand.model_construct(
                contact_id=proposed.contact_id,
                tenant_id=ctx.tenant_id,
                debtor_id=ctx.debtor_id,
                account_id=proposed.account_id,
                channel=proposed.channel,
                address=proposed.address,
                template=policy.template_for(proposed.step, state.lang),
                language=state.lang,
                send_at=ctx.now,
                expires_at=ctx.now + self._contact_ttl,
                strategy=assignment.strategy,
                arm=assignment.arm,
                scores=proposed.scores,
                decision_id=decision_id,
                trigger_event_id=ctx.trigger_event_id,
                content=content,
                template_version=content.template_version if content else None,
            )
        )
        fx.decisions.append(
            self._decision(
                ctx,
                Action.CONTACT,
                reasons,
                account_id=proposed.account_id,
                contact_id=proposed.contact_id,
                channel=proposed.channel,
                scores=proposed.scores,
                model_versions=proposed.model_versions,
                verdict=proposed.verdict,
                decision_id=decision_id,
            )
        )
        if content is not None:
            fx.decisions[-1] = fx.decisions[-1].model_copy(
                update={"template_version": content.template_version, "segments": content.segments}
            )
        self._drop_pending(state, proposed.contact_id, ctx, fx)
        if proposed.step.step_id not in account.steps:
            account.steps.append(proposed.step.step_id)
        state.emitted.append(
            Emitted.model_construct(
                cid=proposed.contact_id,
                acct=proposed.account_id,
                ch=proposed.channel,
                exp=(ctx.now + self._contact_ttl).timestamp(),
                at=ctx.now.timestamp(),
            )
        )
        if proposed.context is not None:
            fx.outcomes.append(Outcome("contact", (proposed.contact_id, proposed.context, ctx.now)))
        state.history.append(
            HistoryEntry.model_construct(
                ch=proposed.channel, at=ctx.now.timestamp(), acct=proposed.account_id
            )
        )

    def _compose(
        self, state: DebtorState, proposed: Proposed, ctx: Context
    ) -> MessageContent | Reason | None:
        if self.composer is None:
            return None
        return self.composer.compose(
            ctx.tenant_id,
            state,
            proposed.account_id,
            proposed.channel,
            proposed.step.template,
            proposed.contact_id,
            ctx.now,
        )

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
        )

    def _learn(
        self, ctx: Context, state: DebtorState, contact_id: str, positive: bool, fx: Effects
    ) -> None:
        outcome = self._learner.reward(ctx.tenant_id, state, contact_id, positive)
        if outcome is not None:
            fx.outcomes.append(outcome)

    def _assignment(self, ctx: Context) -> AssignmentLike:
        if ctx.assignment is None:
            policy = self._policy_for(ctx.tenant_id)
            ctx.assignment = policy.assign(ctx.tenant_id, ctx.debtor_id)
        return ctx.assignment

    def _current_step(self, ctx: Context, dpd: int, segment: str | None) -> StepLike | None:
        arm = self._assignment(ctx).arm
        return self._policy_for(ctx.tenant_id).cadence_step(dpd, segment, arm)

    # -- proposal, deferral, cancellation ------------------------------------

    def _propose(
        self,
        state: DebtorState,
        account_id: str,
        step: StepLike,
        contact_id: str,
        trigger: str,
        ctx: Context,
        fx: Effects,
    ) -> None:
        account = state.accounts[account_id]
        candidates = _reachable(state, step.channels)
        if not candidates:
            reason = Reason(rule_id="channel.none_reachable", params={"step": step.step_id})
            self._drop_pending(state, contact_id, ctx, fx)
            fx.decisions.append(
                self._decision(ctx, Action.SUPPRESS, (reason,), account_id=account_id)
            )
            return
        # The learner chooses among every allowed channel, so each one is judged;
        # the proposals differ only in channel-specific fields.
        base = self._proposal(state, account, account_id, candidates[0], ctx)
        verdicts = {
            ch: self._compliance.evaluate(base.model_copy(update=_point_fields(state, ch)))
            for ch in candidates
        }
        allowed = [ch for ch in candidates if verdicts[ch].action == "allow"]
        if allowed:
            # Seeded by the contact id: a replayed decision draws the same arm.
            choice = self._learner.choose(ctx.tenant_id, state, allowed, ctx.now, contact_id)
            point = state.point(choice.channel)
            assert point is not None  # candidates are reachable points
            fx.proposed.append(
                Proposed(
                    contact_id=contact_id,
                    account_id=account_id,
                    channel=choice.channel,
                    address=point.addr,
                    step=step,
                    trigger=trigger,
                    verdict=verdicts[choice.channel],
                    scores=choice.scores,
                    model_versions=choice.model_versions,
                    context=choice.context,
                )
            )
            return
        deferrable = [ch for ch in candidates if verdicts[ch].action == "defer"]
        if deferrable:
            channel = min(deferrable, key=lambda ch: verdicts[ch].defer_until or ctx.now)
            verdict = verdicts[channel]
            point = state.point(channel)
            assert point is not None
            proposed = Proposed(
                contact_id, account_id, channel, point.addr, step, trigger, verdict, {}, {}
            )
            self._defer(state, proposed, verdict.defer_until or ctx.now, verdict.reasons, ctx, fx)
            return
        reasons = tuple(r for ch in candidates for r in verdicts[ch].reasons)
        self._drop_pending(state, contact_id, ctx, fx)
        fx.decisions.append(
            self._decision(
                ctx,
                Action.SUPPRESS,
                _unique(reasons),
                account_id=account_id,
                verdict=verdicts[candidates[0]],
            )
        )

    def _proposal(
        self,
        state: DebtorState,
        account: AccountState,
        account_id: str,
        channel: Channel,
        ctx: Context,
    ) -> ContactProposal:
        return ContactProposal(
            tenant_id=ctx.tenant_id,
            jurisdiction=state.jur or "US",
            timezone=state.tz,
            at=ctx.now,
            account_id=account_id,
            account_status=account.status,
            days_past_due=account.dpd,
            flags=AccountFlags(**{name: True for name in account.flags}),
            opted_out_channels=frozenset(p.ch for p in state.points if p.out),
            opted_out_all=state.opt_all,
            **_point_fields(state, channel),
            promise_until=state.promise_until,
            history=tuple(
                HistoryItem(
                    channel=h.ch,
                    at=dt.datetime.fromtimestamp(h.at, dt.UTC),
                    kind=HistoryKind(h.kind),
                    account_id=h.acct,
                )
                for h in state.history
            ),
        )

    def _defer(
        self,
        state: DebtorState,
        proposed: Proposed,
        until: dt.datetime,
        reasons: Sequence[Reason],
        ctx: Context,
        fx: Effects,
    ) -> None:
        self._drop_pending(state, proposed.contact_id, ctx, fx, keep_schedule=True)
        state.pending.append(
            PendingContact.model_construct(
                cid=proposed.contact_id,
                acct=proposed.account_id,
                ch=proposed.channel,
                step=proposed.step.step_id,
                due=until.timestamp(),
                trigger=proposed.trigger,
            )
        )
        fx.schedule_add.append(
            (Entry(ctx.tenant_id, ctx.debtor_id, proposed.contact_id, "contact"), until.timestamp())
        )
        fx.decisions.append(
            self._decision(
                ctx,
                Action.DEFER,
                tuple(reasons),
                account_id=proposed.account_id,
                contact_id=proposed.contact_id,
                channel=proposed.channel,
                defer_until=until,
                verdict=proposed.verdict,
            )
        )

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
                )
            )
        state.pending = keep
        still: list[Emitted] = []
        for emitted in state.emitted:
            if matches(emitted.acct, emitted.ch):
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
    ) -> Decision:
        decided_at = dt.datetime.now(dt.UTC)
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
            policy_version=f"{ctx.policy_version}{profile}",
            strategy=assignment.strategy,
            arm=assignment.arm,
            trigger_event_id=ctx.trigger_event_id,
            trigger_type=ctx.trigger_type,
            decided_at=decided_at,
            latency_s=max(0.0, decided_at.timestamp() - ctx.received_at),
        )


def _point_fields(state: DebtorState, channel: Channel) -> dict[str, Any]:
    point = state.point(channel)
    return {
        "channel": channel,
        "consent": bool(point and point.consent),
        "bounced": bool(point and point.bounced),
    }


def _reachable(state: DebtorState, channels: Sequence[Channel]) -> list[Channel]:
    out = []
    for channel in channels:
        point = state.point(channel)
        if point and not point.bounced and channel not in out:
            out.append(channel)
    return out


def _unique(reasons: Sequence[Reason]) -> tuple[Reason, ...]:
    seen: dict[str, Reason] = {}
    for reason in reasons:
        seen.setdefault(reason.rule_id + repr(sorted(reason.params.items())), reason)
    return tuple(seen.values())
