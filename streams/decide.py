"""The decision core: one event and a debtor's state in, decisions and commands out.

Pure and deterministic apart from the frequency-cap reservation, which the
caller resolves in Redis between ``apply`` and ``resolve``. Records built here
from already-validated inputs use ``model_construct``: validating them again
was a third of the stage's CPU (bench/README.md); tests round-trip them. Determinism is what
makes crash replays safe: the same event on the same state yields the same
contact ids and decision ids, and the dispatcher never sends a contact id twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from rules.base import ContactProposal, HistoryItem, HistoryKind, Verdict
from streams.events import (
    AccountEvent,
    AccountFlags,
    AccountStatus,
    Channel,
    DeliveryEvent,
    DeliveryStatus,
    Intent,
    PaymentEvent,
    ResponseEvent,
)
from streams.outputs import Action, ContactCommand, Decision, Reason, Release
from streams.ports import (
    AssignmentLike,
    CapVerdict,
    Compliance,
    ContactPolicy,
    Learner,
    Outcome,
    Step,
    StepLike,
)
from streams.schedule import Entry
from streams.state import (
    AccountState,
    DebtorState,
    Emitted,
    HistoryEntry,
    PendingContact,
    PointState,
)

DecidableEvent = AccountEvent | PaymentEvent | DeliveryEvent | ResponseEvent | Release

FLAG_NAMES = ("dispute", "bankruptcy", "deceased", "cease_and_desist", "legal_hold")
# Statuses after which a contact can no longer be sent to that address.
HARD_FAILURES = {DeliveryStatus.BOUNCED, DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED}
HISTORY_S = 14 * 24 * 3600.0
PROMISE_GRACE = dt.timedelta(days=1)
# What a receipt tells the channel learner: engagement, or a contact that went nowhere.
REWARDS: dict[DeliveryStatus, bool] = {
    DeliveryStatus.READ: True,
    DeliveryStatus.OPENED: True,
    DeliveryStatus.CLICKED: True,
    DeliveryStatus.ANSWERED: True,
    DeliveryStatus.FAILED: False,
    DeliveryStatus.UNDELIVERED: False,
    DeliveryStatus.BOUNCED: False,
    DeliveryStatus.NO_ANSWER: False,
    DeliveryStatus.BUSY: False,
    DeliveryStatus.COMPLAINED: False,
    DeliveryStatus.UNSUBSCRIBED: False,
}


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


class Decider:
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

    # -- entry points -------------------------------------------------------

    def policy_version(self, tenant_id: str) -> str:
        return self._policy_for(tenant_id).version

    def apply(self, state: DebtorState, event: DecidableEvent, ctx: Context) -> Effects:
        fx = Effects()
        state.prune(ctx.now.timestamp(), HISTORY_S)
        match event:
            case AccountEvent():
                self._on_account(state, event, ctx, fx)
            case PaymentEvent():
                self._on_payment(state, event, ctx, fx)
            case DeliveryEvent():
                self._on_delivery(state, event, ctx, fx)
            case ResponseEvent():
                self._on_response(state, event, ctx, fx)
            case Release():
                self._on_release(state, event, ctx, fx)
        return fx

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

    # -- event handlers -----------------------------------------------------

    def _on_account(self, state: DebtorState, ev: AccountEvent, ctx: Context, fx: Effects) -> None:
        previous = state.accounts.get(ev.account_id)
        cycle = ev.due_date.isoformat()
        flags = [name for name in FLAG_NAMES if getattr(ev.flags, name)]
        account = AccountState.model_construct(
            status=ev.status,
            dpd=ev.days_past_due,
            due=ev.amount_due.amount_minor,
            bal=ev.balance.amount_minor,
            cur=ev.amount_due.currency,
            cycle=cycle,
            flags=flags,
            steps=previous.steps if previous and previous.cycle == cycle else [],
        )
        state.accounts[ev.account_id] = account
        state.tz, state.jur, state.lang = ev.timezone, ev.jurisdiction, ev.language
        state.seg = ev.segment
        state.points = _merge_points(state.points, ev)

        if previous is not None and previous.cycle != cycle:
            reason = Reason(rule_id="account.new_cycle", params={"due_date": cycle})
            self._cancel_account(state, ev.account_id, (reason,), ctx, fx)
        new_flags = set(flags) - set(previous.flags if previous else ())
        if new_flags:
            reasons = tuple(Reason(rule_id=f"suppress.{name}") for name in sorted(new_flags))
            self._cancel_account(state, ev.account_id, reasons, ctx, fx)
        if ev.status in (AccountStatus.SETTLED, AccountStatus.CLOSED, AccountStatus.CURRENT):
            reason = Reason(rule_id="account.not_delinquent", params={"status": ev.status.value})
            self._cancel_account(state, ev.account_id, (reason,), ctx, fx)
            return
        if account.due <= 0 or ev.days_past_due <= 0:
            return
        policy = self._policy_for(ctx.tenant_id)
        assignment = self._assignment(ctx)
        step = policy.cadence_step(ev.days_past_due, ev.segment, assignment.arm)
        if step is None or step.step_id in account.steps:
            return
        if assignment.holdout:
            # The control group of an experiment: no treatment, recorded once a step.
            account.steps.append(step.step_id)
            reason = Reason(
                rule_id="strategy.holdout",
                params={"strategy": assignment.strategy, "step": step.step_id},
            )
            fx.decisions.append(
                self._decision(ctx, Action.SUPPRESS, (reason,), account_id=ev.account_id)
            )
            return
        if any(p.acct == ev.account_id and p.step == step.step_id for p in state.pending):
            return
        contact_id = stable_id(ctx.tenant_id, ctx.debtor_id, ev.account_id, cycle, step.step_id)
        self._propose(state, ev.account_id, step, contact_id, "cadence", ctx, fx)

    def _on_payment(self, state: DebtorState, ev: PaymentEvent, ctx: Context, fx: Effects) -> None:
        account = state.accounts.get(ev.account_id)
        if account is None:
            account = state.accounts[ev.account_id] = AccountState(cur=ev.amount.currency)
        if not ev.reversal_of:
            fx.outcomes.append(Outcome("payment", ev.paid_at))
        sign = 1 if ev.reversal_of else -1
        account.due = max(0, account.due + sign * ev.amount.amount_minor)
        account.bal = max(0, account.bal + sign * ev.amount.amount_minor)
        if ev.reversal_of or account.due > 0:
            return
        if state.promise_acct == ev.account_id:
            state.promise_until = state.promise_acct = None
        reason = Reason(
            rule_id="payment.covers_due",
            params={"payment_id": ev.payment_id, "amount_minor": ev.amount.amount_minor},
        )
        self._cancel_account(state, ev.account_id, (reason,), ctx, fx)

    def _on_delivery(
        self, state: DebtorState, ev: DeliveryEvent, ctx: Context, fx: Effects
    ) -> None:
        point = state.point(ev.channel)
        reward = REWARDS.get(ev.status)
        if reward is not None:
            self._learn(ctx, state, ev.contact_id, reward, fx)
        if ev.status == DeliveryStatus.ANSWERED:
            state.history.append(
                HistoryEntry.model_construct(
                    ch=ev.channel,
                    at=ev.occurred_at.timestamp(),
                    kind="conversation",
                    acct=ev.account_id,
                )
            )
        if ev.status in (DeliveryStatus.COMPLAINED, DeliveryStatus.UNSUBSCRIBED):
            if point is not None:
                point.out = True
            reason = Reason(rule_id="suppress.opt_out", params={"channel": ev.channel.value})
            self._cancel_channel(state, ev.channel, (reason,), ctx, fx)
            return
        if ev.status not in HARD_FAILURES or not ev.permanent or point is None:
            return
        point.bounced = True
        account_id = ev.account_id or next(iter(state.accounts), None)
        if account_id is None or account_id not in state.accounts:
            return
        account = state.accounts[account_id]
        step = self._current_step(ctx, account.dpd, state.seg)
        if step is None or account.due <= 0:
            return
        fallback = Step(
            step_id=f"{step.step_id}:fallback",
            channels=tuple(c for c in step.channels if c != ev.channel) or step.channels,
            template=step.template,
        )
        contact_id = stable_id(ctx.tenant_id, ev.contact_id, "fallback")
        self._propose(state, account_id, fallback, contact_id, "delivery_failed", ctx, fx)

    def _on_response(
        self, state: DebtorState, ev: ResponseEvent, ctx: Context, fx: Effects
    ) -> None:
        intent, source = ev.intent, "event"
        if intent is None and ev.text:
            # Legal opt-out words are matched by rules first; the classifier only
            # labels what they do not cover (models.intent).
            intent, _confidence, source = self._learner.intent(ev.text, state.lang)
        if ev.contact_id is not None and intent is not None:
            self._learn(ctx, state, ev.contact_id, intent is not Intent.OPT_OUT, fx)
        match intent:
            case Intent.OPT_OUT:
                reason = Reason(
                    rule_id="suppress.opt_out",
                    params={
                        "channel": "all" if ev.opt_out_all else ev.channel.value,
                        "source": source,
                    },
                )
                if ev.opt_out_all:
                    state.opt_all = True
                    self._cancel_all(state, (reason,), ctx, fx)
                else:
                    point = state.point(ev.channel)
                    if point is not None:
                        point.out = True
                    self._cancel_channel(state, ev.channel, (reason,), ctx, fx)
                fx.decisions.append(self._decision(ctx, Action.SUPPRESS, (reason,)))
            case Intent.DISPUTE:
                reason = Reason(rule_id="suppress.dispute", params={"source": "response"})
                for account_id, account in state.accounts.items():
                    if ev.account_id in (None, account_id) and "dispute" not in account.flags:
                        account.flags.append("dispute")
                        self._cancel_account(state, account_id, (reason,), ctx, fx)
                fx.decisions.append(
                    self._decision(ctx, Action.SUPPRESS, (reason,), account_id=ev.account_id)
                )
            case Intent.PROMISE_TO_PAY if ev.promise is not None:
                state.promise_until = ev.promise.due_on
                state.promise_acct = ev.account_id
                reason = Reason(
                    rule_id="suppress.promise_to_pay",
                    params={
                        "until": ev.promise.due_on.isoformat(),
                        "amount_minor": ev.promise.amount.amount_minor,
                    },
                )
                self._cancel_all(state, (reason,), ctx, fx)
                check_at = _promise_check_at(ev.promise.due_on, state.tz)
                fx.schedule_add.append(
                    (Entry(ctx.tenant_id, ctx.debtor_id, ev.event_id, "promise"), check_at)
                )
                fx.decisions.append(
                    self._decision(ctx, Action.SUPPRESS, (reason,), account_id=ev.account_id)
                )
            case Intent.CALLBACK_REQUEST:
                target = ev.account_id or next(iter(state.accounts), None)
                if target is None or target not in state.accounts:
                    return
                current = self._current_step(ctx, state.accounts[target].dpd, state.seg)
                if current is None:
                    return
                step = Step("callback", (Channel.VOICE, ev.channel), current.template)
                contact_id = stable_id(ctx.tenant_id, ctx.debtor_id, ev.event_id, "callback")
                self._propose(state, target, step, contact_id, "callback_request", ctx, fx)
            case Intent.WRONG_PARTY:
                point = state.point(ev.channel)
                if point is not None:
                    point.bounced = True
                reason = Reason(rule_id="suppress.wrong_party", params={"channel": ev.channel})
                self._cancel_channel(state, ev.channel, (reason,), ctx, fx)
                fx.decisions.append(self._decision(ctx, Action.SUPPRESS, (reason,)))
            case _:
                return

    def _on_release(self, state: DebtorState, ev: Release, ctx: Context, fx: Effects) -> None:
        entry = Entry(ctx.tenant_id, ctx.debtor_id, ev.item_id, ev.kind)
        if ev.kind == "promise":
            fx.schedule_remove.append(entry)
            self._check_promise(state, ctx, fx)
            return
        pending = next((p for p in state.pending if p.cid == ev.item_id), None)
        if pending is None or pending.acct not in state.accounts:
            fx.schedule_remove.append(entry)  # stale: cancelled or already sent
            return
        account = state.accounts[pending.acct]
        step = self._current_step(ctx, account.dpd, state.seg)
        channels = step.channels if step else (pending.ch,)
        template = step.template if step else pending.step
        current = Step(
            pending.step, (pending.ch, *[c for c in channels if c != pending.ch]), template
        )
        self._propose(state, pending.acct, current, pending.cid, pending.trigger, ctx, fx)

    def _check_promise(self, state: DebtorState, ctx: Context, fx: Effects) -> None:
        if state.promise_until is None:
            return
        if ctx.now.date() < state.promise_until + PROMISE_GRACE:
            return
        account_id = state.promise_acct or next(iter(state.accounts), None)
        until = state.promise_until
        state.promise_until = state.promise_acct = None
        if account_id is None or account_id not in state.accounts:
            return
        account = state.accounts[account_id]
        if account.due <= 0:
            return
        current = self._current_step(ctx, account.dpd, state.seg)
        if current is None:
            return
        step = Step("broken-promise", _all_channels(state), current.template)
        contact_id = stable_id(ctx.tenant_id, ctx.debtor_id, account_id, until.isoformat(), "bp")
        self._propose(state, account_id, step, contact_id, "broken_promise", ctx, fx)

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


def _merge_points(known: list[PointState], ev: AccountEvent) -> list[PointState]:
    """The account's contact points win, but a bounce or opt-out we learned stays."""
    by_key = {(p.ch, p.addr): p for p in known}
    merged: list[PointState] = []
    for cp in ev.contact_points:
        old = by_key.get((cp.channel, cp.address))
        merged.append(
            PointState.model_construct(
                ch=cp.channel,
                addr=cp.address,
                consent=cp.consent,
                out=cp.opted_out or bool(old and old.out),
                bounced=bool(old and old.bounced),
            )
        )
    return merged


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


def _all_channels(state: DebtorState) -> tuple[Channel, ...]:
    return tuple(p.ch for p in state.points)


def _unique(reasons: Sequence[Reason]) -> tuple[Reason, ...]:
    seen: dict[str, Reason] = {}
    for reason in reasons:
        seen.setdefault(reason.rule_id + repr(sorted(reason.params.items())), reason)
    return tuple(seen.values())


def _promise_check_at(due_on: dt.date, tz: str | None) -> float:
    local_noon = dt.datetime.combine(
        due_on + PROMISE_GRACE, dt.time(12), tzinfo=ZoneInfo(tz or "UTC")
    )
    return local_noon.timestamp()
