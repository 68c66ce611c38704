"""What the schedule releases when its time comes: a held payment that waited
too long, a promise's check, a deferred answer, a held reminder, a credit-bureau
notice, or a contact that waited for its window or hour."""

from __future__ import annotations

from dataclasses import dataclass

from recaudo.contracts.outputs import Release
from recaudo.contracts.ports import Step
from recaudo.contracts.schedule import Entry
from recaudo.rules.reminder_policy import is_reminder
from recaudo.streams import credit_bureau_notices, held_payments
from recaudo.streams.credit_bureau_notices import TRIGGER as NOTICE
from recaudo.streams.decision.answers import Answers
from recaudo.streams.decision.context import Context, Effects
from recaudo.streams.decision.planner import ASSISTANT
from recaudo.streams.decision.promises import Promises
from recaudo.streams.decision.reminders import Reminders
from recaudo.streams.decision.toolkit import Toolkit
from recaudo.streams.held_payments import HELD
from recaudo.streams.state import DebtorState


@dataclass(frozen=True, slots=True)
class Releases:
    kit: Toolkit
    answers: Answers
    reminders: Reminders
    promises: Promises

    def handle(self, state: DebtorState, ev: Release, ctx: Context, fx: Effects) -> None:
        entry = Entry(ctx.tenant_id, ctx.debtor_id, ev.item_id, ev.kind)
        if ev.kind == HELD:
            held_payments.expire(state, ctx, fx)
            return
        if ev.kind == "promise":
            fx.schedule_remove.append(entry)
            self.promises.check(state, ctx, fx)
            return
        pending = next((p for p in state.pending if p.contact_id == ev.item_id), None)
        if pending is None or pending.account_id not in state.accounts:
            fx.schedule_remove.append(entry)  # stale: cancelled or already sent
            return
        if pending.trigger == ASSISTANT:
            self.answers.release(state, pending, ctx, fx)  # rendered now
            return
        if is_reminder(pending.step):
            self.reminders.release(state, pending, ctx, fx)
            return
        notice = credit_bureau_notices.released(pending, self.kit.policies.of(ctx))
        if notice is not None:
            self.kit.planner.propose(
                state, pending.account_id, notice, pending.contact_id, NOTICE, ctx, fx, "notice"
            )
            return
        account = state.accounts[pending.account_id]
        step = self.kit.policies.current_step(ctx, account.days_past_due, state.seg)
        channels = step.channels if step else (pending.ch,)
        template = step.template if step else pending.step
        current = Step(
            pending.step, (pending.ch, *[c for c in channels if c != pending.ch]), template
        )
        self.kit.planner.propose(
            state, pending.account_id, current, pending.contact_id, pending.trigger, ctx, fx
        )
