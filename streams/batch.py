"""A batch on its way through the decision stage: the records consumed, the records
to produce, and what waits for the commit (state, schedule, tasks, timeline and
conversation lines) once the broker has said where it put the outputs.

The records themselves are ground floor (``contracts.records``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from recaudo.contracts.outputs import ContactCommand, Decision
from recaudo.contracts.ports import Outcome
from recaudo.contracts.records import Outbound
from recaudo.contracts.schedule import Entry
from recaudo.streams.store import Change, DebtorRef
from recaudo.streams.tasks import Task


@dataclass
class Prepared:
    outputs: list[Outbound] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    schedule_add: list[tuple[Entry, float]] = field(default_factory=list)
    schedule_remove: list[Entry] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    outcomes: list[tuple[str, str, Outcome]] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    #: Each change with the decisions its timeline lines are made of at commit,
    #: once the broker said where it put them.
    recent: list[tuple[Change, list[Decision]]] = field(default_factory=list)
    #: decision id -> index of its record in ``outputs``.
    published: dict[str, int] = field(default_factory=dict)
    #: The debtors' conversation (``streams.journal``): the input records' lines, and
    #: each contact command's index in ``outputs`` with its letter, written at commit.
    journal: list[tuple[DebtorRef, bytes]] = field(default_factory=list)
    messages: list[tuple[int, ContactCommand, str]] = field(default_factory=list)
