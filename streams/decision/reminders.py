"""Courtesy reminders before the due date, and the roll rate they are judged by.

A current account with an amount due and reminders enabled gets its next
reminder step planned from each account snapshot: held in the schedule until
the step's local day and hour, then proposed like any contact but with
``purpose="reminder"``, so the rules judge it by the jurisdiction's servicing
rules (collection-only rules do not apply, opt-outs always do). A payment that
covers the amount due cancels it through the same path as a collection contact.

``learned`` timing lets the channel/hour bandit choose the channel and the slot
of the step's day (its reward: the debtor's engagement or payment); ``fixed``
sends at the step's hour on its first allowed channel.

The roll rate: each due date watched while the account was current counts
once, and once more if the account then rolled to 1+ (and 30+) days past due
on that due date; reminded (treated) and holdout debtors are compared in the
reports (``streams.reports.rolls``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from recaudo.contracts.events import AccountStatus
from recaudo.contracts.outputs import Action, Decision, Reason
from recaudo.contracts.ports import AssignmentLike, Learner, RollRisk
from recaudo.contracts.schedule import Entry
from recaudo.contracts.state import AccountState, PendingContact, RollSummary
from recaudo.rules.reminder_policy import ReminderStep, is_reminder
from recaudo.streams.decision.context import Context, Effects, stable_id
from recaudo.streams.decision.planner import CHOSEN_HOUR
from recaudo.streams.decision.toolkit import Toolkit
from recaudo.streams.state import DebtorState

IN_ARREARS = frozenset({AccountStatus.DELINQUENT, AccountStatus.CHARGED_OFF})
#: Marks, once per due date, that a holdout debtor was left without reminders.
HOLDOUT_STEP = "reminder:holdout"
TRIGGER = "reminder"
ROLL_RISK = "roll_risk"
#: Scoring points kept per due date (one per reminder step; the cap is a guard).
MAX_POINTS = 8


def watch_roll(
    state: DebtorState,
    account: AccountState,
    assignment: AssignmentLike,
    now: dt.datetime,
    label: Callable[[bool], None] | None = None,
) -> None:
    """Count a due date seen while current, and whether it then rolled past due.

    ``label`` hears how the watched due date resolved, once, while its scoring
    points are still in the summary: True when it rolled to 1+ days past due,
    False when it was paid (a current snapshot with nothing due) or a new due
    date came without a roll.
    """
    if not account.cycle:
        return
    rem = state.rem
    local_today = now.astimezone(ZoneInfo(state.tz or "UTC")).date()
    ahead = dt.date.fromisoformat(account.cycle) >= local_today
    if account.status is AccountStatus.CURRENT and account.due > 0 and ahead:
        if rem is None:
            rem = state.rem = RollSummary(
                arm=assignment.arm, strat=assignment.strategy, seg=state.seg
            )
        if rem.cyc != account.cycle:
            _resolve(rem, False, label)
            rem.cyc, rem.f1, rem.f30 = account.cycle, False, False
            rem.c, rem.amt = rem.c + 1, account.due
        return
    if rem is None or rem.cyc != account.cycle:
        return
    if account.status is AccountStatus.CURRENT and account.due <= 0 and not rem.f1:
        _resolve(rem, False, label)
    if account.status not in IN_ARREARS:
        return
    if account.days_past_due >= 1 and not rem.f1:
        rem.l1, rem.f1 = rem.l1 + 1, True
        _resolve(rem, True, label)
    if account.days_past_due >= 30 and not rem.f30:
        rem.l30, rem.f30 = rem.l30 + 1, True


def with_roll_risk(ctx: Context, decision: Decision) -> Decision:
    """A reminder's record carries the roll-risk score of its account, when scored
    (``Reminders`` puts it on the context; ``DecisionLog`` enricher)."""
    risk = ctx.risk.get(decision.account_id or "")
    if decision.purpose != "reminder" or risk is None:
        return decision
    scores = decision.scores | {ROLL_RISK: risk[0]}
    versions = decision.model_versions | {ROLL_RISK: risk[1]}
    return decision.model_copy(update={"scores": scores, "model_versions": versions})


def _resolve(rem: RollSummary, rolled: bool, label: Callable[[bool], None] | None) -> None:
    if rem.pts and label is not None:
        label(rolled)
    rem.pts = []


@dataclass(frozen=True, slots=True)
class Reminders:
    """The reminder side of the decision core: watch, score, hold and send."""

    kit: Toolkit
    learner: Learner

    def watch(self, state: DebtorState, account_id: str, ctx: Context, fx: Effects) -> None:
        if not self.kit.policies.of(ctx).reminders.enabled:
            return

        def label(rolled: bool) -> None:
            outcome = self.learner.roll_label(ctx.tenant_id, state, rolled)
            if outcome is not None:
                fx.outcomes.append(outcome)

        assignment = self.kit.policies.assignment(ctx)
        watch_roll(state, state.accounts[account_id], assignment, ctx.now, label)

    def _score(
        self, state: DebtorState, account_id: str, ctx: Context, point: bool = False
    ) -> RollRisk | None:
        """The roll risk of the account's due date now; ``point``: a scoring point to label."""
        account, rem = state.accounts[account_id], state.rem
        if rem is None or rem.cyc != account.cycle:
            return None
        today = ctx.now.astimezone(ZoneInfo(state.tz or "UTC")).date()
        days = (dt.date.fromisoformat(account.cycle) - today).days
        risk = self.learner.roll_risk(ctx.tenant_id, state, days)
        if risk is None:
            return None
        ctx.risk[account_id] = (risk.score, risk.version)
        if point and len(rem.pts) < MAX_POINTS:
            rem.pts.append(max(0, days))
        return risk

    def remind(
        self, state: DebtorState, account_id: str, ctx: Context, fx: Effects, releasing: str = ""
    ) -> None:
        """A current account: send the step that is due, hold the next one until its hour."""
        reminders = self.kit.policies.of(ctx).reminders
        account = state.accounts[account_id]
        if not reminders.enabled or account.due <= 0 or not account.cycle:
            return
        assignment = self.kit.policies.assignment(ctx)
        self._score(state, account_id, ctx)
        if any(
            p.account_id == account_id and is_reminder(p.step) and p.contact_id != releasing
            for p in state.pending
        ):
            return
        if assignment.holdout:
            if HOLDOUT_STEP not in account.steps:
                # The control group: no reminder, recorded once a due date.
                account.steps.append(HOLDOUT_STEP)
                reason = Reason(
                    rule_id="strategy.holdout",
                    params={"strategy": assignment.strategy, "due_date": account.cycle},
                )
                fx.decisions.append(
                    self.kit.log.record(
                        ctx, Action.SUPPRESS, (reason,), account_id=account_id, purpose="reminder"
                    )
                )
            return
        zone = ZoneInfo(state.tz or "UTC")
        today = ctx.now.astimezone(zone).date()
        due = dt.date.fromisoformat(account.cycle)
        for step in reminders.steps_for(state.seg):
            if sum(1 for s in account.steps if is_reminder(s)) >= reminders.max_per_cycle:
                return
            day = due - dt.timedelta(days=step.days_before)
            if step.step_id in account.steps or day < today:
                continue
            at = dt.datetime.combine(day, dt.time(step.hour), tzinfo=zone).astimezone(dt.UTC)
            cid = stable_id(ctx.tenant_id, ctx.debtor_id, account_id, account.cycle, step.step_id)
            if at <= ctx.now:
                self._send_reminder(state, account_id, step, cid, TRIGGER, ctx, fx)
                continue
            self._hold(state, account_id, step, cid, at, ctx, fx)
            return

    def _hold(
        self,
        state: DebtorState,
        account_id: str,
        step: ReminderStep,
        contact_id: str,
        at: dt.datetime,
        ctx: Context,
        fx: Effects,
    ) -> None:
        state.pending.append(
            PendingContact.model_construct(
                contact_id=contact_id,
                account_id=account_id,
                ch=step.channels[0],
                step=step.step_id,
                due=at.timestamp(),
                trigger=TRIGGER,
            )
        )
        fx.schedule_add.append(
            (Entry(ctx.tenant_id, ctx.debtor_id, contact_id, "contact"), at.timestamp())
        )
        reason = Reason(
            rule_id="reminder.scheduled",
            params={"step": step.step_id, "days_before": step.days_before},
        )
        fx.decisions.append(
            self.kit.log.record(
                ctx,
                Action.DEFER,
                (reason,),
                account_id=account_id,
                contact_id=contact_id,
                channel=step.channels[0],
                defer_until=at,
                purpose="reminder",
            )
        )

    def _send_reminder(
        self,
        state: DebtorState,
        account_id: str,
        step: ReminderStep,
        contact_id: str,
        trigger: str,
        ctx: Context,
        fx: Effects,
    ) -> None:
        """Propose the step now: the servicing rules judge it, the timing mode picks how."""
        account = state.accounts[account_id]
        # Scored and ranked once a step: one label each, and a step that waited for
        # the learner's hour or for the rules is carried out, not ranked again.
        first = step.step_id not in account.steps
        if first:
            account.steps.append(step.step_id)
        policy = self.kit.policies.of(ctx)
        risk = self._score(state, account_id, ctx, point=first)
        reminders = policy.reminders
        if (
            first
            and reminders.ranking == "risk"
            and risk is not None
            and risk.warm
            and risk.score < reminders.min_risk
        ):
            self.kit.cancel.drop_pending(state, contact_id, ctx, fx)
            reason = Reason(
                rule_id="reminder.low_risk",
                params={"step": step.step_id, "score": risk.score, "min_risk": reminders.min_risk},
            )
            fx.decisions.append(
                self.kit.log.record(
                    ctx, Action.SUPPRESS, (reason,), account_id=account_id, purpose="reminder"
                )
            )
            return
        targeting = policy.targeting
        if policy.reminders.timing == "fixed" or targeting.mode != "adaptive":
            targeting = targeting.model_copy(update={"mode": "cadence"})
        self.kit.planner.propose(
            state, account_id, step, contact_id, trigger, ctx, fx, "reminder", targeting
        )

    def release(
        self, state: DebtorState, pending: PendingContact, ctx: Context, fx: Effects
    ) -> None:
        """A held reminder's hour came: send it unless the account no longer needs it."""
        account = state.accounts[pending.account_id]
        step = self.kit.policies.of(ctx).reminders.step(pending.step)
        if step is None or account.status is not AccountStatus.CURRENT or account.due <= 0:
            self.kit.cancel.drop_pending(state, pending.contact_id, ctx, fx)
            reason = Reason(
                rule_id="reminder.not_needed",
                params={"status": account.status.value, "amount_due_minor": account.due},
            )
            fx.decisions.append(
                self.kit.log.record(
                    ctx,
                    Action.CANCEL,
                    (reason,),
                    account_id=pending.account_id,
                    contact_id=pending.contact_id,
                    channel=pending.ch,
                    purpose="reminder",
                )
            )
            return
        if pending.trigger == CHOSEN_HOUR:
            # The learner chose this channel and hour earlier: carry it out.
            rest = tuple(c for c in step.channels if c != pending.ch)
            step = step.model_copy(update={"channels": (pending.ch, *rest)})
        self._send_reminder(
            state, pending.account_id, step, pending.contact_id, pending.trigger, ctx, fx
        )
        self.remind(state, pending.account_id, ctx, fx, releasing=pending.contact_id)
