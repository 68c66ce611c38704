"""The backtest's simulated team: its daily capacity, overdue first, one close per call."""

from __future__ import annotations

import datetime as dt

from recaudo.backtest.work_queue import TEAM, WorkQueue
from recaudo.streams.tasks import Task, TaskKind, TaskStatus

DAY = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


class Phone:
    """Answers every call with a promise and remembers who was called, in order."""

    def __init__(self) -> None:
        self.called: list[str] = []

    def agent_call(self, debtor_id: str, call_id: str, at: dt.datetime) -> str:
        self.called.append(debtor_id)
        return "promise"


def task(n: int, due_in_h: float, status: TaskStatus = TaskStatus.OPEN) -> Task:
    opened = DAY - dt.timedelta(days=1)
    return Task(
        task_id=f"t{n}",
        tenant_id="acme",
        debtor_id=f"d{n}",
        kind=TaskKind.HUMAN,
        status=status,
        reason="test",
        opened_at=opened,
        due_by=DAY + dt.timedelta(hours=due_in_h),
        trigger_event_id=f"e{n}",
    )


def test_the_day_capacity_is_spread_over_working_hours_overdue_first() -> None:
    team = WorkQueue(calls_per_day=4, hours=(9, 17))
    for n, due in enumerate([30, -5, 10, -20, 50, 70]):
        team.opened(task(n, due))
    team.opened(task(9, 1, TaskStatus.CLOSED))  # a closed task is nobody's work
    phone = Phone()
    assert team.work(DAY.replace(hour=8), phone) == [], "before hours: no calls"
    first = team.work(DAY.replace(hour=11), phone)  # a quarter of the day: one call
    assert [c.task_id for c in first] == ["t3"], "the most overdue first"
    assert team.work(DAY.replace(hour=18), phone) == [], "after hours: no calls"
    rest = team.work(DAY.replace(hour=17), phone)
    assert [c.task_id for c in rest] == ["t1", "t2", "t0"]
    assert team.work(DAY.replace(hour=23), phone) == [], "the day's 4 calls are made"
    assert phone.called == ["d3", "d1", "d2", "d0"]
    assert all(c.resolution == "promise" and c.closed_by == TEAM for c in first + rest)
    assert team.waiting == 2
    assert team.outcomes == {"promise": 4}
    tomorrow = team.work(DAY.replace(hour=17) + dt.timedelta(days=1), phone)
    assert [c.task_id for c in tomorrow] == ["t4", "t5"]


def test_a_task_seen_twice_is_called_once_and_no_team_calls_nobody() -> None:
    team = WorkQueue(calls_per_day=10)
    team.opened(task(1, 0))
    team.opened(task(1, 0))
    phone = Phone()
    assert len(team.work(DAY.replace(hour=17), phone)) == 1
    idle = WorkQueue(calls_per_day=0)
    idle.opened(task(2, 0))
    assert idle.work(DAY.replace(hour=17), phone) == []
    assert idle.next_time(DAY) is None


def test_next_time_never_lets_the_backtest_skip_a_call() -> None:
    team = WorkQueue(calls_per_day=8, hours=(9, 17))
    assert team.next_time(DAY) is None, "nothing waiting"
    team.opened(task(1, 0))
    early = team.next_time(DAY.replace(hour=3))
    assert early == DAY.replace(hour=10), "the first call slot of the day"
    late = team.next_time(DAY.replace(hour=20))
    assert late == DAY.replace(hour=10) + dt.timedelta(days=1)
    assert team.next_time(DAY.replace(hour=12)) == DAY.replace(hour=12), "a call is due now"
