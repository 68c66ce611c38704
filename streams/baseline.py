"""The static cadence's learner: the first channel of the step that the rules
allow, no learning. It is the baseline the online models are measured against,
and what runs when they are switched off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from recaudo.channels.opt_out import detect_opt_out
from recaudo.streams.events import Channel, Intent
from recaudo.streams.ports import ChannelChoice, Outcome
from recaudo.streams.state import DebtorState


class PreferenceOrder:
    """Always the first allowed channel, in the step's order."""

    def choose(
        self,
        tenant_id: str,
        state: DebtorState,
        candidates: Sequence[Channel],
        at: dt.datetime,
        seed: str,
    ) -> ChannelChoice:
        del state, at, seed
        return ChannelChoice(channel=candidates[0], model_versions=self.versions(tenant_id))

    def reward(
        self, tenant_id: str, state: DebtorState, contact_id: str, positive: bool
    ) -> Outcome | None:
        del tenant_id, state, contact_id, positive
        return None

    def intent(self, text: str, language: str | None) -> tuple[Intent, float, str]:
        """Only the legal opt-out words: no classifier in the static setup."""
        if detect_opt_out(text, language):
            return Intent.OPT_OUT, 1.0, "rules"
        return Intent.OTHER, 0.0, "none"

    def versions(self, tenant_id: str) -> dict[str, str]:
        del tenant_id
        return {"channel": "static"}
