"""Promises and plans on the payments stream: the other half of ``plans``.

A payment applies to the running promise or instalment; partial payments add
up and the excess carries to the next instalment; a kept one moves the plan on
and schedules the next check, which the schedule releases at noon in the
debtor's zone the day after the date (late payments until then still count).
A missed one ends the plan; ``Promises.check`` follows it up once. A
reversed payment is taken back: from the running promise it counted toward, or
by reopening the promise it kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from recaudo.contracts.events import Channel, PaymentEvent
from recaudo.contracts.outputs import Action, JsonScalar, Reason
from recaudo.contracts.ports import Step
from recaudo.contracts.schedule import Entry
from recaudo.streams import accounting
from recaudo.streams.decision.context import Context, Effects, stable_id
from recaudo.streams.decision.toolkit import Toolkit
from recaudo.streams.state import DebtorState

#: A promise is judged the day after its date: a payment late that day still keeps it.
PROMISE_GRACE = dt.timedelta(days=1)


def local_today(state: DebtorState, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(state.tz or "UTC")).date()


def promise_check_at(due_on: dt.date, tz: str | None, grace: dt.timedelta) -> float:
    """Noon in the debtor's zone, ``grace`` after the promised date: late payments count."""
    local_noon = dt.datetime.combine(due_on + grace, dt.time(12), tzinfo=ZoneInfo(tz or "UTC"))
    return local_noon.timestamp()


def mark(payment_id: str) -> str:
    """A payment's short mark in the conversation (8 hex characters, not the id:
    the state stays small, and a reversal names the payment it reverses)."""
    return hashlib.blake2s(payment_id.encode(), digest_size=4).hexdigest()


def tidy(state: DebtorState) -> None:
    """An empty conversation is no conversation: nothing stored for it."""
    if state.conversation is not None and state.conversation.empty():
        state.conversation = None


@dataclass(frozen=True, slots=True)
class Promises:
    kit: Toolkit

    def paid(
        self, state: DebtorState, ev: PaymentEvent, ctx: Context, fx: Effects
    ) -> Channel | None:
        """Apply a payment to the running promise or instalment; kept ones move the plan
        on. The channel to thank the debtor on when it kept one, else None."""
        cv = state.conversation
        if ev.reversal_of:
            self._reversed(state, ev, ev.reversal_of, ctx, fx)
            return None
        if cv is None or not cv.pa or state.promise_until is None:
            return None
        if state.promise_account_id not in (None, ev.account_id):
            return None
        kept = None
        cv.pd += ev.amount.amount_minor
        cv.pp.append(mark(ev.payment_id))
        while cv.pa and cv.pd >= cv.pa:
            accounting.promise_kept(state)
            kept = cv.pc
            cv.pd -= cv.pa
            if not cv.pl:
                cv.kp, cv.kd = cv.pp, [state.promise_until.toordinal(), cv.pa]
                cv.pa = cv.pd = 0
                cv.pp = []
                state.promise_until = state.promise_account_id = None
                break
            left, each, every = cv.pl
            cv.pl = [left - 1, each, every] if left > 1 else []
            cv.pa = each
            cv.pp = [mark(ev.payment_id)] if cv.pd else []  # the excess carries
            cv.kp, cv.kd = [], []
            state.promise_until = state.promise_until + dt.timedelta(days=every)
            accounting.promised(state)
            self.schedule_check(state, state.promise_until, ev.event_id, ctx, fx)
        tidy(state)
        return kept

    def _reversed(
        self, state: DebtorState, ev: PaymentEvent, reversed_id: str, ctx: Context, fx: Effects
    ) -> None:
        """A reversed payment no longer counts: subtracted from the running promise it
        counted toward, or the promise it kept runs again (its check rescheduled: a date
        already past is followed up at once). An instalment that moved the plan on is
        not unwound: the next one runs, owed in full (README says so)."""
        cv = state.conversation
        if cv is None:
            return
        reversed_mark, amount = mark(reversed_id), ev.amount.amount_minor
        if reversed_mark in cv.pp and state.promise_until is not None:
            cv.pp.remove(reversed_mark)
            cv.pd = max(0, cv.pd - amount)
            reopened = False
        elif reversed_mark in cv.kp and cv.kd and state.promise_until is None:
            day, promised = cv.kd
            state.promise_until, state.promise_account_id = dt.date.fromordinal(day), ev.account_id
            cv.pa, cv.pd = promised, max(0, promised - amount)
            cv.pp = [m for m in cv.kp if m != reversed_mark]
            cv.kp, cv.kd = [], []
            if state.out is not None and state.out.kept:
                state.out.kept -= 1  # the promise-kept rate counts it kept no more
            self.schedule_check(state, state.promise_until, ev.event_id, ctx, fx)
            reopened = True
        else:
            return
        reason = Reason(
            rule_id="promise.reopened" if reopened else "promise.payment_reversed",
            params={"payment_id": reversed_id, "amount_minor": amount, "paid_minor": cv.pd},
        )
        fx.decisions.append(
            self.kit.log.record(ctx, Action.SUPPRESS, (reason,), account_id=ev.account_id)
        )

    def schedule_check(
        self, state: DebtorState, due_on: dt.date, item: str, ctx: Context, fx: Effects
    ) -> None:
        at = promise_check_at(due_on, state.tz, PROMISE_GRACE)
        fx.schedule_add.append((Entry(ctx.tenant_id, ctx.debtor_id, item, "promise"), at))

    def _broken(
        self,
        state: DebtorState,
        due_on: dt.date,
        account_id: str | None,
        ctx: Context,
        fx: Effects,
    ) -> None:
        """The running promise or instalment was missed: the plan ends with it. Its
        audit record tells the lender's CRM (``promise.broken``, or ``plan.missed``
        with the instalments that were left) even when no follow-up is proposed."""
        left = (
            state.conversation.pl[0]
            if state.conversation is not None and state.conversation.pl
            else 0
        )
        params: dict[str, JsonScalar] = {"due_on": due_on.isoformat(), "instalments_left": left}
        reason = Reason(rule_id="plan.missed" if left else "promise.broken", params=params)
        fx.decisions.append(
            self.kit.log.record(ctx, Action.SUPPRESS, (reason,), account_id=account_id)
        )
        if state.conversation is not None:
            state.conversation.pa = state.conversation.pd = 0
            state.conversation.pl, state.conversation.pp, state.conversation.pc = [], [], None
            tidy(state)

    def check(self, state: DebtorState, ctx: Context, fx: Effects) -> None:
        if state.promise_until is None:
            return
        if ctx.now.date() < state.promise_until + PROMISE_GRACE:
            return
        account_id = state.promise_account_id or next(iter(state.accounts), None)
        until = state.promise_until
        state.promise_until = state.promise_account_id = None
        if account_id is None or account_id not in state.accounts:
            self._broken(state, until, account_id, ctx, fx)
            return
        account = state.accounts[account_id]
        if account.due <= 0:
            accounting.promise_kept(state)  # paid off by its date
            return
        self._broken(state, until, account_id, ctx, fx)
        current = self.kit.policies.current_step(ctx, account.days_past_due, state.seg)
        if current is None:
            return
        step = Step("broken-promise", tuple(p.ch for p in state.points), current.template)
        contact_id = stable_id(ctx.tenant_id, ctx.debtor_id, account_id, until.isoformat(), "bp")
        self.kit.planner.propose(state, account_id, step, contact_id, "broken_promise", ctx, fx)
