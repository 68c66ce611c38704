"""Courtesy reminders before the due date, as a tenant declares them (``[reminders]``).

A reminder is a servicing message about an account that is not in arrears: its
own cadence (days before the due date), templates and cap per cycle, judged by
each jurisdiction's servicing rules (``profiles/servicing.py``), never by the
collection-only ones. Business choices, never law.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from recaudo.contracts.events import Channel

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
#: Reminder step ids carry this prefix in the state and the audit, so a pending
#: reminder is told apart from a collection step wherever it is released.
PREFIX = "reminder."
ReminderTiming = Literal["learned", "fixed"]
ReminderRanking = Literal["all", "risk"]


def is_reminder(step_id: str) -> bool:
    return step_id.startswith(PREFIX)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReminderStep(_Model):
    """Remind ``days_before`` the due date (0: on it), from ``hour`` local time."""

    purpose: ClassVar[str] = "reminder"

    id: Name
    days_before: int = Field(ge=0, le=31)
    segment: str = "*"
    channels: tuple[Channel, ...] = Field(min_length=1, description="In preference order")
    template: Name
    hour: int = Field(default=8, ge=0, le=23, description="Local hour the step falls due")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("channels repeat")
        return self

    @property
    def step_id(self) -> str:
        return f"{PREFIX}{self.id}"


class Reminders(_Model):
    """The tenant's reminder cadence; off unless ``enabled``.

    ``timing``: ``learned`` lets the channel/hour bandit choose among the allowed
    channels and the hours of the step's day; ``fixed`` sends each step at its hour
    on its first allowed channel (the schedule a lender writes without us).
    ``ranking``: ``all`` reminds every eligible customer; ``risk`` skips a step
    (audited ``reminder.low_risk``) when the roll-risk model (``models.roll_risk``)
    says the customer is below ``min_risk`` of missing the due date: reminders
    are spent where the due date is at risk.
    """

    enabled: bool = False
    timing: ReminderTiming = "learned"
    ranking: ReminderRanking = "all"
    min_risk: float = Field(
        default=0.0, ge=0.0, le=1.0, description="With ranking = risk: remind at or above this"
    )
    max_per_cycle: int = Field(
        default=3, ge=1, le=10, description="Reminders per account and due date (policy cap)"
    )
    steps: tuple[ReminderStep, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Self:
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError("reminder step ids repeat")
        if self.enabled and not self.steps:
            raise ValueError("enabled reminders need at least one step")
        return self

    def steps_for(self, segment: str | None) -> list[ReminderStep]:
        """The segment's own cadence if it has one, else the wildcard steps; earliest first."""
        own = [s for s in self.steps if s.segment == segment]
        chosen = own or [s for s in self.steps if s.segment == "*"]
        return sorted(chosen, key=lambda s: -s.days_before)

    def step(self, step_id: str) -> ReminderStep | None:
        return next((s for s in self.steps if s.step_id == step_id), None)
