"""How a contact is decided, whatever triggered it (the mechanics every handler
shares): ``propose`` asks the rules and the strategy and contacts, waits for the
chosen hour, skips or defers; a rule-allowed contact waits on ``Effects.proposed``
while the stage reserves the frequency caps, then ``resolve`` takes the answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from recaudo.contracts.outputs import Action, ContactCommand, MessageContent, Purpose, Reason
from recaudo.contracts.ports import (
    CapVerdict,
    Learner,
    MessageComposer,
    Offer,
    Outcome,
    Step,
    StepLike,
    Target,
)
from recaudo.contracts.schedule import Entry
from recaudo.contracts.state import Emitted, HistoryEntry, PendingContact
from recaudo.contracts.targeting import Targeting
from recaudo.rules.ports import Compliance
from recaudo.streams import accounting
from recaudo.streams.contact_points import consent_date
from recaudo.streams.decision.cancellation import Cancellations
from recaudo.streams.decision.context import Context, Effects, Proposed
from recaudo.streams.decision.learning import Learning
from recaudo.streams.decision.log import DecisionLog
from recaudo.streams.decision.policies import Policies
from recaudo.streams.proposals import (
    ESTATE_TEMPLATE,
    contact_proposal,
    point_fields,
    recipient_of,
)
from recaudo.streams.state import DebtorState

#: The trigger of a contact waiting for the hour the strategy chose: decided, not re-ranked.
CHOSEN_HOUR = "chosen_hour"
#: The trigger of an assistant reply (``answers``): an answer, not a cadence step.
ASSISTANT = "assistant"


class ContactPlanner:
    def __init__(
        self,
        policies: Policies,
        compliance: Compliance,
        learner: Learner,
        log: DecisionLog,
        cancellations: Cancellations,
        learning: Learning,
        composer: MessageComposer | None,
        contact_ttl: dt.timedelta,
        settle: dt.timedelta,
    ) -> None:
        self._policies = policies
        self._compliance = compliance
        self._learner = learner
        self._log = log
        self._cancel = cancellations
        self._learning = learning
        # Renders each contact's message (issue 10); None: the template name only.
        self._composer = composer
        self._contact_ttl = contact_ttl
        # How long a dun waits before it is sent (Settings.contact_settle_s).
        self._settle = settle

    def propose(
        self,
        state: DebtorState,
        account_id: str,
        step: StepLike,
        contact_id: str,
        trigger: str,
        ctx: Context,
        fx: Effects,
        purpose: Purpose = "collection",
        targeting: Targeting | None = None,
    ) -> None:
        """Judge a contact on every reachable channel; the learner picks among the
        allowed ones. ``purpose`` and ``targeting`` are a reminder's (its rules and
        its timing)."""
        account = state.accounts[account_id]
        if state.conversation is not None and state.conversation.task is not None:
            # A person has the case (streams.tasks): automation waits for the close.
            reason = Reason(rule_id="task.open", params={"task_id": state.conversation.task})
            self._cancel.drop_pending(state, contact_id, ctx, fx)
            fx.decisions.append(
                self._log.record(ctx, Action.SUPPRESS, (reason,), account_id=account_id)
            )
            return
        recipient = recipient_of(state, account, self._policies.of(ctx))
        if recipient.kind == "estate_representative":
            step = Step(step.step_id, step.channels, ESTATE_TEMPLATE)
        candidates = recipient.reachable(step.channels)
        if not candidates:
            reason = Reason(rule_id="channel.none_reachable", params={"step": step.step_id})
            self._cancel.drop_pending(state, contact_id, ctx, fx)
            fx.decisions.append(
                self._log.record(
                    ctx, Action.SUPPRESS, (reason,), account_id=account_id, purpose=purpose
                )
            )
            return
        # The learner chooses among every allowed channel, so each one is judged;
        # the proposals differ only in channel-specific fields.
        base = contact_proposal(state, account, account_id, candidates[0], ctx, recipient)
        # Judged at the instant it would go out: after the settle (windows, caps).
        base = replace(base, at=ctx.now + self._settle, template=step.template)
        if purpose != "collection":
            base = replace(base, purpose=purpose)
        verdicts = {
            ch: self._compliance.evaluate(replace(base, **point_fields(recipient, ch)))
            for ch in candidates
        }
        allowed = [ch for ch in candidates if verdicts[ch].action == "allow"]
        if allowed:
            # Seeded by the contact id: a replayed decision draws the same options.
            target = self._learner.target(
                Offer(
                    tenant_id=ctx.tenant_id,
                    state=state,
                    account_id=account_id,
                    step_id=step.step_id,
                    channels=tuple(allowed),
                    at=ctx.now,
                    seed=contact_id,
                    targeting=targeting or self._policies.of(ctx).targeting,
                    may_skip=trigger == "cadence",
                    may_wait=trigger != CHOSEN_HOUR,
                    preferred=step.channels[0] if trigger == CHOSEN_HOUR else None,
                )
            )
            if "value" in target.features:
                fx.outcomes.append(Outcome("candidate", (ctx.now, target.features["value"])))
            if target.channel is None:
                self._skip(state, account_id, contact_id, target, ctx, fx)
                return
            point = recipient.point(target.channel)
            assert point is not None  # candidates are reachable points
            proposed = Proposed(
                contact_id=contact_id,
                account_id=account_id,
                channel=target.channel,
                address=point.addr,
                step=step,
                trigger=trigger,
                verdict=verdicts[target.channel],
                scores=target.scores,
                model_versions=target.model_versions,
                context=target.context,
                target=target,
                extra=recipient.values or None,
                purpose=purpose,
            )
            if target.wait_until is not None and target.wait_until > ctx.now:
                proposed.trigger = CHOSEN_HOUR
                reason = Reason(
                    rule_id="strategy.best_hour",
                    params={"channel": target.channel.value, "slot": target.scores.get("slot")},
                )
                self.defer(state, proposed, target.wait_until, (reason,), ctx, fx, target)
                return
            fx.proposed.append(proposed)
            return
        deferrable = [ch for ch in candidates if verdicts[ch].action == "defer"]
        if deferrable:
            channel = min(deferrable, key=lambda ch: verdicts[ch].defer_until or ctx.now)
            verdict = verdicts[channel]
            point = recipient.point(channel)
            assert point is not None
            args = (contact_id, account_id, channel, point.addr, step, trigger, verdict)
            proposed = Proposed(*args, scores={}, model_versions={}, purpose=purpose)
            self.defer(state, proposed, verdict.defer_until or ctx.now, verdict.reasons, ctx, fx)
            return
        reasons = tuple(r for ch in candidates for r in verdicts[ch].reasons)
        self._cancel.drop_pending(state, contact_id, ctx, fx)
        fx.decisions.append(
            self._log.record(
                ctx,
                Action.SUPPRESS,
                _unique(reasons),
                account_id=account_id,
                verdict=verdicts[candidates[0]],
                purpose=purpose,
            )
        )

    def resolve(
        self, state: DebtorState, proposed: Proposed, caps: CapVerdict, ctx: Context, fx: Effects
    ) -> None:
        """Turn a rule-allowed proposal into a contact, or a deferral if a cap is full."""
        reasons = (*proposed.verdict.reasons, *caps.reasons)
        if not caps.ok:
            retry_at = caps.retry_at or ctx.now + dt.timedelta(hours=1)
            self.defer(state, proposed, retry_at, reasons, ctx, fx)
            return
        account = state.accounts[proposed.account_id]
        policy = self._policies.of(ctx)
        assignment = self._policies.assignment(ctx)
        content = self._compose(state, proposed, ctx)
        if isinstance(content, Reason):
            # Missing required content: never sent, and the record says which rule.
            self._cancel.drop_pending(state, proposed.contact_id, ctx, fx)
            fx.decisions.append(
                self._log.record(
                    ctx,
                    Action.SUPPRESS,
                    (*reasons, content),
                    account_id=proposed.account_id,
                    contact_id=proposed.contact_id,
                    channel=proposed.channel,
                    verdict=proposed.verdict,
                    purpose=proposed.purpose,
                )
            )
            return
        decision_id = ctx.next_decision_id()
        # An answer goes at once; a dun waits out the settle, cancellable meanwhile.
        send_at = ctx.now if proposed.trigger == ASSISTANT else ctx.now + self._settle
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
                send_at=send_at,
                expires_at=send_at + self._contact_ttl,
                strategy=assignment.strategy,
                arm=assignment.arm,
                scores=proposed.scores,
                decision_id=decision_id,
                trigger_event_id=ctx.trigger_event_id,
                content=content,
                template_version=content.template_version if content else None,
                purpose=proposed.purpose,
                consent_date=consent_date(state.points, proposed.channel, proposed.address),
            )
        )
        fx.decisions.append(
            self._log.record(
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
                target=proposed.target,
                purpose=proposed.purpose,
                content=content,
            )
        )
        self._cancel.drop_pending(state, proposed.contact_id, ctx, fx)
        accounting.contacted(state, proposed.channel, policy.targeting.cost_of(proposed.channel))
        fx.outcomes.append(Outcome("contacted", ctx.now))
        collecting = proposed.purpose == "collection"
        if (
            collecting
            and proposed.target is not None
            and proposed.trigger in ("cadence", CHOSEN_HOUR)
        ):
            self._learning.observe(state, proposed.account_id, proposed.target, True, ctx)
        if proposed.trigger != ASSISTANT and proposed.step.step_id not in account.steps:
            account.steps.append(proposed.step.step_id)
        state.emitted.append(
            Emitted.model_construct(
                contact_id=proposed.contact_id,
                account_id=proposed.account_id,
                ch=proposed.channel,
                exp=(send_at + self._contact_ttl).timestamp(),
                at=ctx.now.timestamp(),
                rem=not collecting,
            )
        )
        for early in [o for o in state.early if o.contact_id == proposed.contact_id]:
            state.early.remove(early)
            self._learning.reward(ctx, state, early.contact_id, early.pos, fx, early.w)
        if proposed.context is not None:
            fx.outcomes.append(Outcome("contact", (proposed.contact_id, proposed.context, ctx.now)))
        state.history.append(
            HistoryEntry.model_construct(
                ch=proposed.channel, at=ctx.now.timestamp(), account_id=proposed.account_id
            )
        )
        if proposed.purpose == "reminder" and state.rem is not None:
            state.rem.n += 1  # reminders sent this due date (streams.reports.rolls)

    def defer(
        self,
        state: DebtorState,
        proposed: Proposed,
        until: dt.datetime,
        reasons: Sequence[Reason],
        ctx: Context,
        fx: Effects,
        target: Target | None = None,
    ) -> None:
        """Deferred to ``until``; ``target`` when it is the strategy's choice of hour."""
        self._cancel.drop_pending(state, proposed.contact_id, ctx, fx, keep_schedule=True)
        state.pending.append(
            PendingContact.model_construct(
                contact_id=proposed.contact_id,
                account_id=proposed.account_id,
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
            self._log.record(
                ctx,
                Action.DEFER,
                tuple(reasons),
                account_id=proposed.account_id,
                contact_id=proposed.contact_id,
                channel=proposed.channel,
                defer_until=until,
                verdict=proposed.verdict,
                target=target,
                purpose=proposed.purpose,
            )
        )

    def _compose(
        self, state: DebtorState, proposed: Proposed, ctx: Context
    ) -> MessageContent | Reason | None:
        if self._composer is None:
            return None
        return self._composer.compose(
            ctx.tenant_id,
            state,
            proposed.account_id,
            proposed.channel,
            proposed.step.template,
            proposed.contact_id,
            ctx.now,
            proposed.extra,
            debtor_id=ctx.debtor_id,
        )

    def _skip(
        self,
        state: DebtorState,
        account_id: str,
        contact_id: str,
        target: Target,
        ctx: Context,
        fx: Effects,
    ) -> None:
        """The strategy leaves this step for another day; the audit says why and with
        what probability, and a random skip is a control observation for the uplift."""
        self._cancel.drop_pending(state, contact_id, ctx, fx)
        if target.features.get("explored"):
            self._learning.observe(state, account_id, target, False, ctx)
        params: dict[str, str | int | float | bool | None] = {
            k: v for k, v in target.scores.items() if k in ("value", "threshold", "uplift")
        }
        fx.decisions.append(
            self._log.record(
                ctx,
                Action.SUPPRESS,
                (Reason(rule_id=target.rule_id, params=params),),
                account_id=account_id,
                scores=target.scores,
                model_versions=target.model_versions,
                target=target,
            )
        )


def _unique(reasons: Sequence[Reason]) -> tuple[Reason, ...]:
    seen: dict[str, Reason] = {}
    for reason in reasons:
        seen.setdefault(reason.rule_id + repr(sorted(reason.params.items())), reason)
    return tuple(seen.values())
