"""Promises and plans on the payments stream: the other half of ``plans``.

A payment applies to the running promise or instalment; partial payments add
up and the excess carries to the next instalment; a kept one moves the plan on
and schedules the next check, which the schedule releases at noon in the
debtor's zone the day after the date (late payments until then still count).
A missed one ends the plan; ``Decider._check_promise`` follows it up once.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from recaudo.streams import accounting
from recaudo.streams.decision_base import DecisionMaker
from recaudo.streams.decision_context import Context, Effects
from recaudo.streams.events import PaymentEvent
from recaudo.streams.schedule import Entry
from recaudo.streams.state import DebtorState


def local_today(state: DebtorState, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(state.tz or "UTC")).date()


def promise_check_at(due_on: dt.date, tz: str | None, grace: dt.timedelta) -> float:
    """Noon in the debtor's zone, ``grace`` after the promised date: late payments count."""
    local_noon = dt.datetime.combine(due_on + grace, dt.time(12), tzinfo=ZoneInfo(tz or "UTC"))
    return local_noon.timestamp()


def tidy(state: DebtorState) -> None:
    """An empty conversation is no conversation: nothing stored for it."""
    if state.cv is not None and state.cv.empty():
        state.cv = None


class Promises(DecisionMaker):
    promise_grace = dt.timedelta(days=1)

    def _promise_paid(
        self, state: DebtorState, ev: PaymentEvent, ctx: Context, fx: Effects
    ) -> None:
        """Apply a payment to the running promise or instalment; kept ones move the plan on."""
        cv = state.cv
        if ev.reversal_of or cv is None or not cv.pa or state.promise_until is None:
            return
        if state.promise_acct not in (None, ev.account_id):
            return
        cv.pd += ev.amount.amount_minor
        while cv.pa and cv.pd >= cv.pa:
            accounting.promise_kept(state)
            cv.pd -= cv.pa
            if not cv.pl:
                cv.pa = cv.pd = 0
                state.promise_until = state.promise_acct = None
                break
            left, each, every = cv.pl
            cv.pl = [left - 1, each, every] if left > 1 else []
            cv.pa = each
            state.promise_until = state.promise_until + dt.timedelta(days=every)
            accounting.promised(state)
            self._schedule_check(state, state.promise_until, ev.event_id, ctx, fx)
        tidy(state)

    def _schedule_check(
        self, state: DebtorState, due_on: dt.date, item: str, ctx: Context, fx: Effects
    ) -> None:
        at = promise_check_at(due_on, state.tz, self.promise_grace)
        fx.schedule_add.append((Entry(ctx.tenant_id, ctx.debtor_id, item, "promise"), at))

    def _promise_broken(self, state: DebtorState) -> None:
        """The running promise or instalment was missed: the plan ends with it."""
        if state.cv is not None:
            state.cv.pa = state.cv.pd = 0
            state.cv.pl = []
            tidy(state)
