"""An account snapshot: the account's state as the lender states it, and what it
starts or stops (a new cycle, an opt-out, a legal flag, nothing owed, the
cadence step due, a reminder, a credit-bureau notice, a task for people)."""

from __future__ import annotations

from dataclasses import dataclass

from recaudo.contracts.base import LegalFlag
from recaudo.contracts.events import AccountEvent, AccountStatus, Channel
from recaudo.contracts.outputs import Action, Reason
from recaudo.contracts.state import AccountState
from recaudo.streams import account_ledger, accounting, credit_bureau_notices, legal_dates
from recaudo.streams.contact_points import late_opt_outs, take_points
from recaudo.streams.credit_bureau_notices import TRIGGER as NOTICE
from recaudo.streams.decision.context import Context, Effects, stable_id
from recaudo.streams.decision.payments import Payments
from recaudo.streams.decision.reminders import Reminders
from recaudo.streams.decision.tasks import Tasks
from recaudo.streams.decision.toolkit import Toolkit
from recaudo.streams.state import DebtorState

NOT_OWING = frozenset({AccountStatus.SETTLED, AccountStatus.CLOSED, AccountStatus.CURRENT})


@dataclass(frozen=True, slots=True)
class Accounts:
    kit: Toolkit
    payments: Payments
    reminders: Reminders
    tasks: Tasks

    def handle(self, state: DebtorState, ev: AccountEvent, ctx: Context, fx: Effects) -> None:
        if account_ledger.is_stale(state.accounts.get(ev.account_id), ev):
            # Older than what the account reflects: it changes nothing, except an
            # opt-out it reports, which holds whenever it was given.
            fx.stale = True
            for channel in late_opt_outs(state, ev):
                self._opt_out(state, channel, ctx, fx)
            return
        self.tasks.escalate(state, ev, ctx, fx)
        self._take(state, ev, ctx, fx)

    def _take(self, state: DebtorState, ev: AccountEvent, ctx: Context, fx: Effects) -> None:
        previous = state.accounts.get(ev.account_id)
        cycle = ev.due_date.isoformat()
        flags = [flag.value for flag in ev.flags.raised()]
        disputed_at = (
            (previous.disp if previous else 0.0)
            or state.disputed.pop(ev.account_id, 0.0)
            or state.disputed.get("*", 0.0)
        )
        if disputed_at and LegalFlag.DISPUTE not in flags:
            # The debtor's dispute holds until a person closes it.
            flags.append(LegalFlag.DISPUTE.value)
        dates = legal_dates.effective_dates(ev, flags, previous, disputed_at)
        account = AccountState.model_construct(
            status=ev.status,
            days_past_due=ev.days_past_due,
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
            self.kit.cancel.account(state, ev.account_id, (reason,), ctx, fx)
        for channel in {p.ch for p in state.points if p.out}:
            # An opt-out the snapshot reports (or one we knew) stops that channel now.
            self._opt_out(state, channel, ctx, fx)
        new_flags = set(flags) - set(previous.flags if previous else ())
        if new_flags:
            reasons = tuple(
                Reason(rule_id=f"suppress.{name}", params={"effective_date": dates[name]})
                for name in sorted(new_flags)
            )
            self.kit.cancel.account(state, ev.account_id, reasons, ctx, fx)
        # A flag that arrived after its effective date: what was sent since is listed.
        cancelling = [emitted for emitted, _ in fx.cancel_emitted]
        late = legal_dates.record_late_flags(state, ev, account, previous, ctx.now, cancelling)
        if late:
            fx.decisions.append(
                self.kit.log.record(ctx, Action.SUPPRESS, late, account_id=ev.account_id)
            )
        owing = ev.status not in NOT_OWING and account.sdue > 0 and ev.days_past_due > 0
        if owing:
            # Enrolled on what the snapshot states, before the payments waiting for it
            # are counted as recovered: the same figures whichever arrived first.
            assignment = self.kit.policies.assignment(ctx)
            accounting.enrol(state, account.at, assignment, ev.days_past_due, account.cur)
        self.payments.apply_held(state, ev.account_id, ctx, fx)
        self.reminders.watch(state, ev.account_id, ctx, fx)
        policy, holdout = self.kit.policies.of(ctx), self.kit.policies.assignment(ctx).holdout
        notice = None if holdout else credit_bureau_notices.due(state, ev.account_id, policy, ctx)
        if notice is not None:  # the no-contact group gets none: policy
            self.kit.planner.propose(state, ev.account_id, *notice, NOTICE, ctx, fx, "notice")
        if ev.status in NOT_OWING:
            # Staying current keeps the reminders held for this due date.
            if not (
                ev.status is AccountStatus.CURRENT and previous and previous.status == ev.status
            ):
                reason = Reason(
                    rule_id="account.not_delinquent", params={"status": ev.status.value}
                )
                self.kit.cancel.account(state, ev.account_id, (reason,), ctx, fx)
            if ev.status is AccountStatus.CURRENT:
                self.reminders.remind(state, ev.account_id, ctx, fx)
            return
        if account.due <= 0:
            # Nothing owed once the payments after the snapshot are counted: whatever
            # is still pending for the account stops, whichever event came last.
            reason = Reason(
                rule_id="account.nothing_due",
                params={"stated_minor": account.sdue, "payments_after": len(account.led)},
            )
            self.kit.cancel.account(state, ev.account_id, (reason,), ctx, fx)
            return
        if ev.days_past_due > 0:
            self._cadence(state, ev, account, ctx, fx)

    def _cadence(
        self, state: DebtorState, ev: AccountEvent, account: AccountState, ctx: Context, fx: Effects
    ) -> None:
        """The cadence step due at these days past due, once per cycle; the holdout's
        is recorded, not contacted."""
        assignment = self.kit.policies.assignment(ctx)
        step = self.kit.policies.of(ctx).cadence_step(ev.days_past_due, ev.segment, assignment.arm)
        if step is None or step.step_id in account.steps:
            return
        if assignment.holdout:
            self.kit.learning.observe_holdout(state, ev.account_id, ctx)
            # The control group of an experiment: no treatment, recorded once a step.
            account.steps.append(step.step_id)
            reason = Reason(
                rule_id="strategy.holdout",
                params={"strategy": assignment.strategy, "step": step.step_id},
            )
            fx.decisions.append(
                self.kit.log.record(ctx, Action.SUPPRESS, (reason,), account_id=ev.account_id)
            )
            return
        if any(p.account_id == ev.account_id and p.step == step.step_id for p in state.pending):
            return
        contact_id = stable_id(
            ctx.tenant_id, ctx.debtor_id, ev.account_id, account.cycle, step.step_id
        )
        self.kit.planner.propose(state, ev.account_id, step, contact_id, "cadence", ctx, fx)

    def _opt_out(self, state: DebtorState, channel: Channel, ctx: Context, fx: Effects) -> None:
        reason = Reason(
            rule_id="suppress.opt_out", params={"channel": channel.value, "source": "account"}
        )
        self.kit.cancel.channel(state, channel, (reason,), ctx, fx)
