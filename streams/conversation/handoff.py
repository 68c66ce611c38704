"""Cases for people: opening a task pauses the debtor's automation, closing resumes it.

Opened for a dispute, hardship, a request for a person, a plan outside policy
(by the assistant) and for tenant-policy legal escalation (by an account
event). The task goes out on ``fx.tasks``: the stage publishes it on ``tasks``
and stores it for ``GET /v1/tasks``.
"""

from __future__ import annotations

import datetime as dt

from recaudo.streams.conversation.promises import tidy
from recaudo.streams.conversation.state import Conversation
from recaudo.streams.decision_base import DecisionMaker
from recaudo.streams.decision_context import Context, Effects, stable_id
from recaudo.streams.events import AccountEvent, AccountStatus, ResponseEvent, TaskClosedEvent
from recaudo.streams.outputs import Action, Reason
from recaudo.streams.state import DebtorState
from recaudo.streams.tasks.model import Task, TaskKind


class Handoff(DecisionMaker):
    def _open_task(
        self,
        state: DebtorState,
        kind: TaskKind,
        why: str,
        ev: ResponseEvent | AccountEvent,
        ctx: Context,
        fx: Effects,
    ) -> Task:
        """A case for a person; the debtor's automation pauses until it is closed."""
        cv = state.cv = state.cv or Conversation()
        hours = self._policy_for(ctx.tenant_id).assistant.escalation.due_hours[kind.value]
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
            cv.task = task.task_id
        fx.tasks.append(task)
        reason = Reason(
            rule_id=f"task.{kind.value}",
            params={"task_id": task.task_id, "due_by": task.due_by.isoformat(), "why": why},
        )
        self._cancel_all(state, (reason,), ctx, fx)
        fx.decisions.append(
            self._decision(
                ctx, Action.SUPPRESS, (reason,), account_id=ev.account_id, decision_id=decision_id
            )
        )
        return task

    def _on_task_closed(
        self, state: DebtorState, ev: TaskClosedEvent, ctx: Context, fx: Effects
    ) -> None:
        """A person closed the task: automation resumes from the next event."""
        if state.cv is not None and state.cv.task == ev.task_id:
            state.cv.task = None
            tidy(state)

    def _escalate(self, state: DebtorState, ev: AccountEvent, ctx: Context, fx: Effects) -> None:
        """Tenant policy: far enough past due with no promise, a person decides the next
        step (legal collection is not a thing to automate). Once per delinquency cycle."""
        dpd = self._policy_for(ctx.tenant_id).assistant.escalation.legal_dpd
        cv = state.cv or Conversation()
        cycle = ev.due_date.isoformat()
        if (
            dpd is None
            or ev.days_past_due < dpd
            or ev.amount_due.amount_minor <= 0
            or ev.status not in (AccountStatus.DELINQUENT, AccountStatus.CHARGED_OFF)
            or state.promise_until is not None
            or cv.task is not None
            or cv.esc == cycle
            or any(getattr(ev.flags, name) for name in type(ev.flags).model_fields)
        ):
            return
        state.cv = cv
        cv.esc = cycle
        self._open_task(state, TaskKind.LEGAL, "policy.legal_escalation", ev, ctx, fx)
