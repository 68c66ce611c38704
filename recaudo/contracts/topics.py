"""Topic names, in one place, with the deployment's optional prefix, and the lane
each input travels in: the urgent inputs (money, replies and their opt-outs,
legal flags) are decided ahead of the bulk of account snapshots (``streams.lanes``)."""

from __future__ import annotations

from dataclasses import dataclass

from recaudo.contracts.events import AccountEvent, Event
from recaudo.contracts.urgency import stops_contact


@dataclass(frozen=True, slots=True)
class Topics:
    prefix: str = ""

    def name(self, base: str) -> str:
        return f"{self.prefix}{base}"

    @property
    def accounts(self) -> str:
        return self.name("accounts")

    @property
    def payments(self) -> str:
        return self.name("payments")

    @property
    def urgent_accounts(self) -> str:
        """Account snapshots that stop contact (a legal flag, an opt-out): the urgent lane."""
        return self.name("urgent-accounts")

    @property
    def deliveries(self) -> str:
        return self.name("deliveries")

    @property
    def responses(self) -> str:
        return self.name("responses")

    @property
    def task_events(self) -> str:
        """Tasks closed by people (issue 11), keyed by debtor like the inputs."""
        return self.name("task-events")

    @property
    def tasks(self) -> str:
        """Output: cases for people (opened, and closed), keyed by debtor."""
        return self.name("tasks")

    @property
    def releases(self) -> str:
        """Internal: schedule releases, keyed by debtor like the inputs."""
        return self.name("releases")

    @property
    def contacts(self) -> str:
        return self.name("contacts")

    @property
    def decisions(self) -> str:
        return self.name("decisions")

    @property
    def dead_letters(self) -> str:
        return self.name("dead-letters")

    @property
    def bulk_inputs(self) -> tuple[str, ...]:
        """Decided when no urgent input waits: snapshots, the receipts of the contacts
        they make (as many, and mostly progress), the schedule's releases."""
        return (self.accounts, self.deliveries, self.releases)

    @property
    def urgent_inputs(self) -> tuple[str, ...]:
        """Decided first: what stops or answers a contact must not queue behind a
        morning's snapshot flood (payments, replies and their opt-outs, people's
        task closings, snapshots that raise a legal flag or an opt-out)."""
        return (self.payments, self.responses, self.task_events, self.urgent_accounts)

    @property
    def decision_inputs(self) -> tuple[str, ...]:
        return (*self.bulk_inputs, *self.urgent_inputs)

    @property
    def all(self) -> tuple[str, ...]:
        return (
            *self.decision_inputs,
            self.contacts,
            self.decisions,
            self.dead_letters,
            self.tasks,
        )


#: The topics' base names, without a deployment's prefix: for the places that name a
#: topic before they know the deployment (the CLI's schemas, the fan-out's sources,
#: the journal's pointers).
BASE_NAMES = Topics()

#: Input topic name for each event type (an account snapshot that stops contact may
#: also travel on ``urgent-accounts``: ``topic_of``).
TOPIC_OF_TYPE: dict[str, str] = {
    "account": "accounts",
    "payment": "payments",
    "delivery": "deliveries",
    "response": "responses",
    "task_closed": "task-events",
    "validation_notice": "accounts",
}

#: The topics each event type is accepted on (base names).
ACCEPTED_ON: dict[str, frozenset[str]] = {
    kind: frozenset({base, BASE_NAMES.urgent_accounts} if kind == "account" else {base})
    for kind, base in TOPIC_OF_TYPE.items()
}


def topic_of(event: Event) -> str:
    """The base name of the topic an input event is published on: a snapshot that
    raises a legal flag or reports an opt-out goes in the urgent lane, so it stops
    the debtor's contacts while a flood of ordinary snapshots is still queued."""
    if isinstance(event, AccountEvent) and stops_contact(event):
        return BASE_NAMES.urgent_accounts
    # ``type`` is declared on each concrete event, not on ``Event``.
    return TOPIC_OF_TYPE[str(getattr(event, "type"))]  # noqa: B009
