"""Fallback strategy pieces that need no tenant file and no learner.

``PreferenceOrder`` is the static cadence's channel choice: the first channel of
the step that the rules allow. It is also what a learner falls back to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from streams.events import Channel
from streams.ports import Assignment, ChannelChoice, Step
from streams.state import DebtorState


class PreferenceOrder:
    """Always the first allowed channel, in the step's order."""

    def choose(
        self, state: DebtorState, candidates: Sequence[Channel], at: dt.datetime, seed: str
    ) -> ChannelChoice:
        del state, at, seed
        return ChannelChoice(channel=candidates[0], model_versions={"channel": "static"})


class BaselineCadence:
    """Days-past-due buckets with a fixed channel order; used until a tenant file exists."""

    version = "baseline-cadence-1"
    _steps = (
        (60, Step("dpd60", (Channel.VOICE, Channel.SMS, Channel.EMAIL), "final_notice")),
        (30, Step("dpd30", (Channel.SMS, Channel.WHATSAPP, Channel.EMAIL), "second_notice")),
        (15, Step("dpd15", (Channel.WHATSAPP, Channel.SMS, Channel.EMAIL), "first_notice")),
        (7, Step("dpd7", (Channel.EMAIL, Channel.SMS), "reminder_2")),
        (1, Step("dpd1", (Channel.SMS, Channel.EMAIL, Channel.WHATSAPP), "reminder_1")),
    )

    def step_for(self, days_past_due: int, segment: str | None) -> Step | None:
        del segment
        return next((step for floor, step in self._steps if days_past_due >= floor), None)

    def template_for(self, step: Step, language: str) -> str:
        return f"{step.template}.{language}"

    def assign(self, tenant_id: str, debtor_id: str) -> Assignment:
        del tenant_id, debtor_id
        return Assignment(strategy="baseline", arm="champion")
