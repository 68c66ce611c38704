"""Topic names, in one place, with the deployment's optional prefix."""

from __future__ import annotations

from dataclasses import dataclass


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
    def decision_inputs(self) -> tuple[str, ...]:
        return (
            self.accounts,
            self.payments,
            self.deliveries,
            self.responses,
            self.releases,
            self.task_events,
        )

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

#: Input topic name for each event type.
TOPIC_OF_TYPE: dict[str, str] = {
    "account": "accounts",
    "payment": "payments",
    "delivery": "deliveries",
    "response": "responses",
    "task_closed": "task-events",
    "validation_notice": "accounts",
}
