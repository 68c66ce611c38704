"""Cases for people: opening a task pauses the debtor's automation, closing resumes it.

Opened for a dispute, hardship, a request for a person, a plan outside policy
(by the assistant) and for tenant-policy legal escalation (by an account
event). The task goes out on ``fx.tasks``: the stage publishes it on ``tasks``
and stores it for ``GET /v1/tasks``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from recaudo.contracts.base import LegalFlag
from recaudo.contracts.events import AccountEvent, AccountStatus, ResponseEvent, TaskClosedEvent
from recaudo.contracts.outputs import Action, Reason
from recaudo.streams.conversation.state import Conversation
from recaudo.streams.decision.context import Context, Effects, stable_id
from recaudo.streams.decision.promises import tidy
from recaudo.streams.decision.toolkit import Toolkit
from recaudo.streams.state import DebtorState
from recaudo.streams.tasks.model import Task, TaskKind

#: Account statuses that collection contacts may resume for.
COLLECTING = (AccountStatus.DELINQUENT, AccountStatus.CHARGED_OFF)
DISPUTE_HOLD = (
    "15 U.S.C. 1692g(b); 12 CFR 1006.38(d)(2): a consumer who disputes in writing within "
    "the validation period (the notice of 1006.34) stops collection of the disputed debt "
    "until the collector mails verification. Closing the task does not clear the flag: "
    "the account feed does, once verification was sent"
)


def _flag_reason(name: str) -> Reason:
    citation = DISPUTE_HOLD if name == LegalFlag.DISPUTE else None
    return Reason(rule_id=f"suppress.{name}", params={"source": "account"}, citation=citation)


@dataclass(frozen=True, slots=True)
class Tasks:
    kit: Toolkit

    def open(
        self,
        state: DebtorState,
        kind: TaskKind,
        why: str,
        ev: ResponseEvent | AccountEvent,
        ctx: Context,
        fx: Effects,
    ) -> Task:
        """A case for a person; the debtor's automation pauses until it is closed."""
        cv = state.conversation = state.conversation or Conversation()
        hours = self.kit.policies.of(ctx).assistant.escalation.due_hours[kind.value]
        decision_id = ctx.next_decision_id()
        text = ev.text[:500] if isinstance(ev, ResponseEvent) and ev.text else None
        task = Task(
            task_id=stable_id(ctx.tenant_id, ctx.debtor_id, ev.event_id, "task", kind.value),
            tenant_id=ctx.tenant_id,
            debtor_id=ctx.debtor_id,
            account_id=ev.account_id,
            kind=kind,
            reason=why,
            text=text,
            opened_at=ctx.now,
            due_by=ctx.now + dt.timedelta(hours=hours),
            trigger_event_id=ev.event_id,
            decision_id=decision_id,
        )
        if cv.task is None:
            cv.task, cv.td = task.task_id, task.due_by.timestamp()
        fx.tasks.append(task)
        reason = Reason(
            rule_id=f"task.{kind.value}",
            params={"task_id": task.task_id, "due_by": task.due_by.isoformat(), "why": why},
        )
        self.kit.cancel.all(state, (reason,), ctx, fx)
        fx.decisions.append(
            self.kit.log.record(
                ctx, Action.SUPPRESS, (reason,), account_id=ev.account_id, decision_id=decision_id
            )
        )
        return task

    def closed(self, state: DebtorState, ev: TaskClosedEvent, ctx: Context, fx: Effects) -> None:
        """A person closed the task: automation resumes now, not on the next event.

        Each delinquent account's current cadence step (the one the pause cancelled or
        held, which was never sent) is proposed at once through the rules, under the
        contact id the cadence gives it, so an account event later cannot send it again;
        the rules may defer it to the window. Its audit carries ``task.closed``. An
        account still flagged (a dispute not yet cleared by an account event: 15 U.S.C.
        1692g(b), 12 CFR 1006.38(d)(2)) stays suppressed.
        """
        cv = state.conversation
        if cv is None or cv.task != ev.task_id:
            return
        cv.task, cv.td = None, 0.0
        tidy(state)
        # A person has reviewed the case: a dispute raised by reply no longer holds
        # against the lender's next snapshot (until then the flag stays, below).
        state.disputed = {}
        for account in state.accounts.values():
            account.disp = 0.0
        closed = Reason(
            rule_id="task.closed",
            params={"task_id": ev.task_id, "resolution": ev.resolution, "by": ev.closed_by},
        )
        for account_id, account in list(state.accounts.items()):
            if account.due <= 0 or account.days_past_due <= 0 or account.status not in COLLECTING:
                continue
            if account.flags:
                reasons = tuple(_flag_reason(name) for name in sorted(account.flags))
                fx.decisions.append(
                    self.kit.log.record(
                        ctx, Action.SUPPRESS, (closed, *reasons), account_id=account_id
                    )
                )
                continue
            self._resume(state, account_id, closed, ctx, fx)

    def _resume(
        self, state: DebtorState, account_id: str, closed: Reason, ctx: Context, fx: Effects
    ) -> None:
        account = state.accounts[account_id]
        step = self.kit.policies.current_step(ctx, account.days_past_due, state.seg)
        if (
            step is None
            or step.step_id in account.steps
            or self.kit.policies.assignment(ctx).holdout
            or any(p.account_id == account_id and p.step == step.step_id for p in state.pending)
        ):
            return
        contact_id = stable_id(
            ctx.tenant_id, ctx.debtor_id, account_id, account.cycle, step.step_id
        )
        decided, proposed = len(fx.decisions), len(fx.proposed)
        self.kit.planner.propose(state, account_id, step, contact_id, "task_closed", ctx, fx)
        for i in range(decided, len(fx.decisions)):
            d = fx.decisions[i]
            fx.decisions[i] = d.model_copy(update={"reasons": (closed, *d.reasons)})
        for p in fx.proposed[proposed:]:
            p.verdict = replace(p.verdict, reasons=(closed, *p.verdict.reasons))

    def escalate(self, state: DebtorState, ev: AccountEvent, ctx: Context, fx: Effects) -> None:
        """Tenant policy: far enough past due with no promise, a person decides the next
        step (legal collection is not a thing to automate). Once per delinquency cycle."""
        dpd = self.kit.policies.of(ctx).assistant.escalation.legal_dpd
        cv = state.conversation or Conversation()
        cycle = ev.due_date.isoformat()
        if (
            dpd is None
            or ev.days_past_due < dpd
            or ev.amount_due.amount_minor <= 0
            or ev.status not in (AccountStatus.DELINQUENT, AccountStatus.CHARGED_OFF)
            or state.promise_until is not None
            or cv.task is not None
            or cv.esc == cycle
            or bool(ev.flags.raised())
        ):
            return
        state.conversation = cv
        cv.esc = cycle
        self.open(state, TaskKind.LEGAL, "policy.legal_escalation", ev, ctx, fx)
