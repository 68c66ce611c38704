"""The decision core: one event and a debtor's state in, decisions and commands out.

Pure and deterministic apart from the frequency-cap reservation, which the
caller resolves in Redis between ``apply`` and ``resolve``. Determinism is what
makes crash replays safe: the same event on the same state yields the same
contact ids and decision ids, and the dispatcher never sends a contact id twice.
"""

from __future__ import annotations

from recaudo.contracts.events import (
    AccountEvent,
    AccountStatus,
    AnyInputEvent,
    DeliveryEvent,
    DeliveryStatus,
    PaymentEvent,
    ResponseEvent,
    TaskClosedEvent,
    ValidationNoticeEvent,
)
from recaudo.contracts.outputs import Action, Reason, Release
from recaudo.contracts.ports import Outcome, Step
from recaudo.contracts.schedule import Entry
from recaudo.contracts.state import HISTORY_S, AccountState, HistoryEntry
from recaudo.foundation.errors import InvalidEvent
from recaudo.rules.reassigned import REASSIGNED_CODE
from recaudo.rules.reminders import is_reminder
from recaudo.streams import (
    account_ledger,
    accounting,
    credit_bureau_notices,
    held_payments,
    legal_dates,
    validation,
)
from recaudo.streams.account_ledger import Entered
from recaudo.streams.contact_points import close_reassigned, late_opt_outs, take_points
from recaudo.streams.conversation.assistant import Assistant
from recaudo.streams.credit_bureau_notices import TRIGGER as NOTICE
from recaudo.streams.decision_base import ASSISTANT
from recaudo.streams.decision_context import Context, Effects, stable_id
from recaudo.streams.held_payments import HELD
from recaudo.streams.observations import closed_observations, open_observation
from recaudo.streams.receipts import ENGAGED, HARD_FAILURES, REWARDS
from recaudo.streams.reminders import Reminding
from recaudo.streams.responses import OPT_OUT_WEIGHT, Responding
from recaudo.streams.state import DebtorState

DecidableEvent = AnyInputEvent | Release

FLAG_NAMES = ("dispute", "bankruptcy", "deceased", "cease_and_desist", "legal_hold")
NOT_OWING = frozenset({AccountStatus.SETTLED, AccountStatus.CLOSED, AccountStatus.CURRENT})


class Decider(Assistant, Reminding, Responding):
    """The meaning of each event for a debtor: what to contact, stop or remember."""

    def apply(self, state: DebtorState, event: DecidableEvent, ctx: Context) -> Effects:
        fx = Effects()
        targeting = self._policy_for(ctx.tenant_id).targeting
        reward_s = targeting.reward_hours * 3600.0
        # Label silence past the reward window before pruning forgets the contact.
        self._close_windows(state, ctx, fx, reward_s, targeting.attribution_days * 86400.0)
        state.prune(ctx.now.timestamp(), HISTORY_S, reward_s)
        match event:
            case AccountEvent():
                if account_ledger.is_stale(state.accounts.get(event.account_id), event):
                    # Older than what the account reflects: it changes nothing, except
                    # an opt-out it reports, which holds whenever it was given.
                    fx.stale = True
                    self._late_opt_outs(state, event, ctx, fx)
                    return fx
                self._escalate(state, event, ctx, fx)
                self._on_account(state, event, ctx, fx)
            case PaymentEvent():
                self._payment(state, event, ctx, fx)
            case DeliveryEvent():
                self._on_delivery(state, event, ctx, fx)
            case ResponseEvent():
                self._on_response(state, event, ctx, fx)
            case Release():
                self._on_release(state, event, ctx, fx)
            case TaskClosedEvent():
                self._on_task_closed(state, event, ctx, fx)
            case ValidationNoticeEvent():
                validation.record(state, event)
        for account_id, reason in validation.note_disputes(state):
            fx.decisions.append(
                self._decision(ctx, Action.SUPPRESS, (reason,), account_id=account_id)
            )
        return fx

    # -- event handlers -----------------------------------------------------

    def _on_account(self, state: DebtorState, ev: AccountEvent, ctx: Context, fx: Effects) -> None:
        previous = state.accounts.get(ev.account_id)
        cycle = ev.due_date.isoformat()
        flags = [name for name in FLAG_NAMES if getattr(ev.flags, name)]
        disputed_at = (
            (previous.disp if previous else 0.0)
            or state.disputed.pop(ev.account_id, 0.0)
            or state.disputed.get("*", 0.0)
        )
        if disputed_at and "dispute" not in flags:
            flags.append("dispute")  # the debtor's dispute holds until a person closes it
        dates = legal_dates.effective_dates(ev, flags, previous, disputed_at)
        account = AccountState.model_construct(
            status=ev.status,
            dpd=ev.days_past_due,
            cur=ev.amount_due.currency,
            cycle=cycle,
            flags=flags,
            steps=previous.steps if previous and previous.cycle == cycle else [],
            cred=ev.creditor_name,
            ref=ev.account_reference,
            pref=ev.payment_reference,
            dlq=ev.delinquency_date.isoformat() if ev.delinquency_date else "",
            lpd=ev.last_payment_date.isoformat() if ev.last_payment_date else "",
            cod=ev.charge_off_date.isoformat() if ev.charge_off_date else "",
            tb=ev.time_barred,
            bn=credit_bureau_notices.delivered_days(ev, previous),
            led=[],
            disp=disputed_at,
            pids=previous.pids if previous else [],
            fd=dates,
            late=previous.late if previous else [],
        )
        account_ledger.take_snapshot(account, previous, ev)
        state.accounts[ev.account_id] = account
        state.name = ev.debtor_name
        state.tz, state.jur, state.lang = ev.timezone, ev.jurisdiction, ev.language
        state.seg = ev.segment
        take_points(state, ev)

        if previous is not None and previous.cycle != cycle:
            reason = Reason(rule_id="account.new_cycle", params={"due_date": cycle})
            self._cancel_account(state, ev.account_id, (reason,), ctx, fx)
        for channel in {p.ch for p in state.points if p.out}:
            # An opt-out the snapshot reports (or one we knew) stops that channel now.
            reason = Reason(
                rule_id="suppress.opt_out", params={"channel": channel.value, "source": "account"}
            )
            self._cancel_channel(state, channel, (reason,), ctx, fx)
        new_flags = set(flags) - set(previous.flags if previous else ())
        if new_flags:
            reasons = tuple(
                Reason(rule_id=f"suppress.{name}", params={"effective_date": dates[name]})
                for name in sorted(new_flags)
            )
            self._cancel_account(state, ev.account_id, reasons, ctx, fx)
        # A flag that arrived after its effective date: what was sent since is listed.
        cancelling = [emitted for emitted, _ in fx.cancel_emitted]
        late = legal_dates.record_late_flags(state, ev, account, previous, ctx.now, cancelling)
        if late:
            fx.decisions.append(
                self._decision(ctx, Action.SUPPRESS, late, account_id=ev.account_id)
            )
        owing = ev.status not in NOT_OWING and account.sdue > 0 and ev.days_past_due > 0
        if owing:
            # Enrolled on what the snapshot states, before the payments waiting for it
            # are counted as recovered: the same figures whichever arrived first.
            accounting.enrol(
                state, account.at, self._assignment(ctx), ev.days_past_due, account.cur
            )
        self._apply_held(state, ev.account_id, ctx, fx)
        self._watch(state, ev.account_id, ctx, fx)
        policy, holdout = self._policy_for(ctx.tenant_id), self._assignment(ctx).holdout
        notice = None if holdout else credit_bureau_notices.due(state, ev.account_id, policy, ctx)
        if notice is not None:  # the no-contact group gets none: policy
            self._propose(state, ev.account_id, *notice, NOTICE, ctx, fx, "notice")
        if ev.status in NOT_OWING:
            # Staying current keeps the reminders held for this due date.
            if not (
                ev.status is AccountStatus.CURRENT and previous and previous.status == ev.status
            ):
                reason = Reason(
                    rule_id="account.not_delinquent", params={"status": ev.status.value}
                )
                self._cancel_account(state, ev.account_id, (reason,), ctx, fx)
            if ev.status is AccountStatus.CURRENT:
                self._remind(state, ev.account_id, ctx, fx)
            return
        if account.due <= 0:
            # Nothing owed once the payments after the snapshot are counted: whatever
            # is still pending for the account stops, whichever event came last.
            reason = Reason(
                rule_id="account.nothing_due",
                params={"stated_minor": account.sdue, "payments_after": len(account.led)},
            )
            self._cancel_account(state, ev.account_id, (reason,), ctx, fx)
            return
        if ev.days_past_due <= 0:
            return
        assignment = self._assignment(ctx)
        step = policy.cadence_step(ev.days_past_due, ev.segment, assignment.arm)
        if step is None or step.step_id in account.steps:
            return
        if assignment.holdout:
            self._observe_holdout(state, ev.account_id, ctx)
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

    def _late_opt_outs(
        self, state: DebtorState, ev: AccountEvent, ctx: Context, fx: Effects
    ) -> None:
        for channel in late_opt_outs(state, ev):
            reason = Reason(
                rule_id="suppress.opt_out", params={"channel": channel.value, "source": "account"}
            )
            self._cancel_channel(state, channel, (reason,), ctx, fx)

    def _payment(self, state: DebtorState, ev: PaymentEvent, ctx: Context, fx: Effects) -> None:
        """A payment or reversal: held until its account is known, then entered once."""
        account = state.accounts.get(ev.account_id)
        if account is None:
            held_payments.hold(state, ev, ctx, fx)
            return
        if account.cur != ev.amount.currency:
            raise InvalidEvent(
                f"amount.currency: {ev.amount.currency} is not the account's {account.cur}"
            )
        if account_ledger.record_payment(account, ev) is Entered.DUPLICATE:
            fx.duplicate = True
            return
        kept = self._promise_paid(state, ev, ctx, fx)
        self._on_payment(state, account, ev, ctx, fx)
        self._thank(state, ev, kept, ctx, fx)

    def _on_payment(
        self, state: DebtorState, account: AccountState, ev: PaymentEvent, ctx: Context, fx: Effects
    ) -> None:
        if not ev.reversal_of:
            fx.outcomes.append(Outcome("payment", ev.paid_at))
            for emitted in list(state.emitted):
                self._learn(ctx, state, emitted.cid, True, fx)
        accounting.paid(state, -account_ledger.signed_amount(ev), ev.occurred_at.timestamp())
        if ev.reversal_of or account.due > 0:
            return
        # A promise on the account stays until its check (``_check_promise``) says
        # kept or broken by the amount then due: a newer snapshot may yet show the
        # payment in its figures and money still owed, whatever arrived first.
        reason = Reason(
            rule_id="payment.covers_due",
            params={"payment_id": ev.payment_id, "amount_minor": ev.amount.amount_minor},
        )
        self._cancel_account(state, ev.account_id, (reason,), ctx, fx)

    def _apply_held(self, state: DebtorState, account_id: str, ctx: Context, fx: Effects) -> None:
        for raw, ev in held_payments.take(state, account_id, ctx, fx):
            try:
                self._payment(state, ev, ctx, fx)
            except InvalidEvent as exc:
                fx.dead_letters.append((raw, exc))

    def _on_delivery(
        self, state: DebtorState, ev: DeliveryEvent, ctx: Context, fx: Effects
    ) -> None:
        credit_bureau_notices.record_delivery(state, ev)
        point = state.point_at(ev.channel, ev.address)
        reward = REWARDS.get(ev.status)
        if ev.status in (DeliveryStatus.COMPLAINED, DeliveryStatus.UNSUBSCRIBED):
            self._learn(ctx, state, ev.contact_id, False, fx, OPT_OUT_WEIGHT)
            accounting.opted_out(state, complaint=ev.status is DeliveryStatus.COMPLAINED)
        elif reward is not None:
            self._learn(ctx, state, ev.contact_id, reward, fx)
        if ev.status in ENGAGED:
            accounting.engaged(state)
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
        if ev.provider_error_code == REASSIGNED_CODE:
            # Disconnected since consent: maybe someone else's number now; a fallback
            # to another channel is still proposed below.
            reason = close_reassigned(state.points, ev.channel, ev.address or "")
            fx.decisions.append(
                self._decision(
                    ctx,
                    Action.SUPPRESS,
                    (reason,),
                    account_id=ev.account_id,
                    contact_id=ev.contact_id,
                    channel=ev.channel,
                )
            )
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
        # The assistant reads the text first (legal asks by rule), then answers
        # once the reply's legal and promise effects below are applied.
        ev, parsed = self._read_reply(state, ev, ctx)
        source = "event" if parsed is None else parsed.source
        self._apply_response(state, ev, source, ctx, fx)
        self._answer(state, ev, parsed, ctx, fx)

    def _on_release(self, state: DebtorState, ev: Release, ctx: Context, fx: Effects) -> None:
        entry = Entry(ctx.tenant_id, ctx.debtor_id, ev.item_id, ev.kind)
        if ev.kind == HELD:
            held_payments.expire(state, ctx, fx)
            return
        if ev.kind == "promise":
            fx.schedule_remove.append(entry)
            self._check_promise(state, ctx, fx)
            return
        pending = next((p for p in state.pending if p.cid == ev.item_id), None)
        if pending is None or pending.acct not in state.accounts:
            fx.schedule_remove.append(entry)  # stale: cancelled or already sent
            return
        if pending.trigger == ASSISTANT:
            self._release_answer(state, pending, ctx, fx)  # rendered now (conversation.answers)
            return
        if is_reminder(pending.step):
            self._release_reminder(state, pending, ctx, fx)
            return
        notice = credit_bureau_notices.released(pending, self._policy_for(ctx.tenant_id))
        if notice is not None:
            self._propose(state, pending.acct, notice, pending.cid, NOTICE, ctx, fx, "notice")
            return
        account = state.accounts[pending.acct]
        step = self._current_step(ctx, account.dpd, state.seg)
        channels = step.channels if step else (pending.ch,)
        template = step.template if step else pending.step
        current = Step(
            pending.step, (pending.ch, *[c for c in channels if c != pending.ch]), template
        )
        self._propose(state, pending.acct, current, pending.cid, pending.trigger, ctx, fx)

    def _close_windows(
        self, state: DebtorState, ctx: Context, fx: Effects, reward_s: float, attribution_s: float
    ) -> None:
        """Silence past the reward window is a failure; a closed attribution window
        labels its uplift observation with the share of the due paid inside it."""
        now = ctx.now.timestamp()
        for emitted in list(state.emitted):
            if not emitted.rewarded and emitted.at and now - emitted.at >= reward_s:
                self._learn(ctx, state, emitted.cid, False, fx)
        for observation in closed_observations(state, ctx.now, attribution_s):
            fx.outcomes.append(Outcome("uplift", observation))

    def _observe_holdout(self, state: DebtorState, account_id: str, ctx: Context) -> None:
        """A holdout cadence step: the control side of the uplift, never a contact."""
        key = self._learner.context_key(
            ctx.tenant_id, state, account_id, ctx.now, self._policy_for(ctx.tenant_id).targeting
        )
        if key is not None:
            open_observation(state, account_id, key, False, ctx.now)
