"""A simulated collections team working the backtest's task queue.

Tasks for people (hardship, disputes, 90+ days past due, legal) pause a
debtor's automation until someone closes them. Without a team every such
debtor stays frozen for the rest of a backtest, which no lender's book does.
This team makes ``calls_per_day`` calls, spread evenly over its working hours
(UTC), overdue tasks first (earliest ``due_by``, then oldest), and closes each
task with what the call produced, as a collector would through
``POST /v1/tasks/{id}/close``; the simulated world answers the call
(``World.agent_call``). A lender's log brings its own closes, so a backtest
over a log has no team.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Protocol, runtime_checkable

from recaudo.contracts.events import TaskClosedEvent
from recaudo.streams.tasks import Task, TaskStatus

TEAM = "backtest-team"


@runtime_checkable
class AnswersCalls(Protocol):
    """A source whose debtors answer a collector's call (a simulated world)."""

    def agent_call(self, debtor_id: str, call_id: str, at: dt.datetime) -> str: ...


class WorkQueue:
    def __init__(self, calls_per_day: int, hours: tuple[int, int] = (9, 17)) -> None:
        self.calls_per_day = calls_per_day
        self._first, self._last = hours
        self._open: dict[str, Task] = {}
        self._day: dt.date | None = None
        self._made = 0
        self.outcomes: Counter[str] = Counter()
        self.opened_count = 0

    def opened(self, task: Task) -> None:
        if task.status is TaskStatus.OPEN and task.task_id not in self._open:
            self._open[task.task_id] = task
            self.opened_count += 1

    @property
    def waiting(self) -> int:
        return len(self._open)

    def _allowed(self, now: dt.datetime) -> int:
        """Calls the team may still make at ``now``: the day's capacity prorated over its
        working hours, less the calls made today."""
        if self._day != now.date():
            self._day, self._made = now.date(), 0
        hours = now.hour + now.minute / 60 - self._first
        if hours > self._last - self._first:
            return 0  # after hours: a call not made today is not made tonight
        share = max(0.0, hours / (self._last - self._first))
        return math.floor(self.calls_per_day * share) - self._made

    def next_time(self, now: dt.datetime) -> dt.datetime | None:
        """When the team next has a call to make: the backtest must not skip past it."""
        if not self._open or self.calls_per_day <= 0:
            return None
        if self._allowed(now) > 0:
            return now
        step = dt.timedelta(hours=(self._last - self._first) / self.calls_per_day)
        start = dt.datetime.combine(now.date(), dt.time(self._first), now.tzinfo)
        end = dt.datetime.combine(now.date(), dt.time(self._last), now.tzinfo)
        if now < start:
            return start + step
        if now >= end:
            return start + dt.timedelta(days=1) + step
        return now + step

    def work(self, now: dt.datetime, source: AnswersCalls) -> list[TaskClosedEvent]:
        """The calls due by ``now``; each closes its task with the call's outcome."""
        if self.calls_per_day <= 0 or not self._open:
            return []
        allowed = self._allowed(now)
        if allowed <= 0:
            return []
        queue = sorted(self._open.values(), key=lambda t: (t.due_by, t.opened_at, t.task_id))
        closes = []
        for task in queue[:allowed]:
            del self._open[task.task_id]
            self._made += 1
            outcome = str(source.agent_call(task.debtor_id, f"call-{task.task_id}", now))
            self.outcomes[outcome] += 1
            closes.append(
                TaskClosedEvent(
                    event_id=f"close-{task.task_id}",
                    tenant_id=task.tenant_id,
                    occurred_at=now,
                    debtor_id=task.debtor_id,
                    task_id=task.task_id,
                    resolution=outcome,
                    closed_by=TEAM,
                )
            )
        return closes
