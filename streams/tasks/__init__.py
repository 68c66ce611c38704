"""Cases for people: disputes, hardship, "I want a person", legal escalation.

The decision stage opens a task (``model.Task`` on the ``tasks`` topic, and in
``store.TaskStore`` for ``GET /v1/tasks``) and pauses the debtor's automation;
a person closes it over HTTP, which records the close and sends a
``TaskClosedEvent`` back to the debtor's decide stage, where the pause lifts.
"""

from recaudo.streams.tasks.model import Task, TaskKind, TaskNote, TaskStatus
from recaudo.streams.tasks.store import TaskStore

__all__ = ["Task", "TaskKind", "TaskNote", "TaskStatus", "TaskStore"]
