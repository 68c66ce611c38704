"""The task record: what a collector sees and acts on."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from recaudo.contracts.events import Contract, Identifier, TenantId


class TaskKind(StrEnum):
    DISPUTE = "dispute"
    HARDSHIP = "hardship"
    HUMAN = "human"
    LEGAL = "legal"


class TaskStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TaskNote(Contract):
    """A person's note on a task: what was said on a call, what was agreed."""

    at: AwareDatetime
    by: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=500)


class Task(Contract):
    """One case for a person; ``due_by`` is when the tenant's policy wants it handled."""

    type: Literal["task"] = "task"
    task_id: Identifier
    tenant_id: TenantId
    debtor_id: Identifier
    account_id: Identifier | None = None
    kind: TaskKind
    status: TaskStatus = TaskStatus.OPEN
    reason: str = Field(max_length=96, description="The rule or ask that opened it")
    text: str | None = Field(default=None, max_length=500, description="The debtor's words")
    opened_at: AwareDatetime
    due_by: AwareDatetime
    trigger_event_id: Identifier
    decision_id: Identifier | None = None
    closed_at: AwareDatetime | None = None
    closed_by: str | None = None
    resolution: str | None = None
    # Who is working it (a claim), and the notes people left, oldest first (issue 23).
    claimed_by: str | None = None
    claimed_at: AwareDatetime | None = None
    notes: list[TaskNote] = []
