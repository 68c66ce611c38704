"""The static cadence's channel choice: the first channel of the step that the
rules allow. It is the baseline learners are measured against."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from streams.events import Channel
from streams.ports import ChannelChoice
from streams.state import DebtorState


class PreferenceOrder:
    """Always the first allowed channel, in the step's order."""

    def choose(
        self, state: DebtorState, candidates: Sequence[Channel], at: dt.datetime, seed: str
    ) -> ChannelChoice:
        del state, at, seed
        return ChannelChoice(channel=candidates[0], model_versions={"channel": "static"})
