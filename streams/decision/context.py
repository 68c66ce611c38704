"""What one decision carries while it is made: its context, proposals and effects."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from recaudo.contracts.events import (
    Channel,
)
from recaudo.contracts.outputs import ContactCommand, Decision, Purpose, Reason
from recaudo.contracts.ports import AssignmentLike, Outcome, StepLike, Target
from recaudo.contracts.schedule import Entry
from recaudo.contracts.state import Emitted
from recaudo.foundation.errors import InvalidEvent
from recaudo.rules.base import Verdict
from recaudo.streams.tasks.model import Task


def stable_id(*parts: str, size: int = 12) -> str:
    return hashlib.blake2b("|".join(parts).encode(), digest_size=size).hexdigest()


@dataclass
class Context:
    tenant_id: str
    debtor_id: str
    trigger_event_id: str
    trigger_type: str
    now: dt.datetime
    received_at: float
    policy_version: str
    seq: int = 0
    assignment: AssignmentLike | None = None
    # Roll-risk score and model version per account, put on its reminder decisions.
    risk: dict[str, tuple[float, str]] = field(default_factory=dict)

    def next_decision_id(self) -> str:
        self.seq += 1
        return stable_id(self.tenant_id, self.trigger_event_id, str(self.seq))


@dataclass
class Proposed:
    """A contact the rules allow now; it still has to pass the frequency caps."""

    contact_id: str
    account_id: str
    channel: Channel
    address: str
    step: StepLike
    trigger: str
    verdict: Verdict
    scores: dict[str, float]
    model_versions: dict[str, str]
    context: object | None = None
    target: Target | None = None
    # Template values beyond the standard ones (an assistant reply's ``reply``).
    extra: Mapping[str, object] | None = None
    purpose: Purpose = "collection"


@dataclass
class Effects:
    decisions: list[Decision] = field(default_factory=list)
    contacts: list[ContactCommand] = field(default_factory=list)
    proposed: list[Proposed] = field(default_factory=list)
    schedule_add: list[tuple[Entry, float]] = field(default_factory=list)
    schedule_remove: list[Entry] = field(default_factory=list)
    # Contacts already handed to dispatch that must now be stopped.
    cancel_emitted: list[tuple[Emitted, tuple[Reason, ...]]] = field(default_factory=list)
    # Observations for the learners' Redis side, persisted after the commit.
    outcomes: list[Outcome] = field(default_factory=list)
    # Cases for people (streams.tasks), published on ``tasks`` and stored for the API.
    tasks: list[Task] = field(default_factory=list)
    # Payments that waited for an account and could not be applied: (event JSON, why).
    dead_letters: list[tuple[str, InvalidEvent]] = field(default_factory=list)
    # What became of the event, for the stage's metrics: a snapshot older than the
    # account's, a payment id entered already, a payment held for its account.
    stale: bool = False
    duplicate: bool = False
    held: bool = False
