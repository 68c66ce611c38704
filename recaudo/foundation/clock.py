"""The one clock of the decision path.

Production reads the wall clock; ``recaudo backtest`` and the demo move a
simulated clock over event time, so the same code decides 30 days of a
portfolio in minutes. Nothing on the live path calls ``datetime.now`` or
``time.time`` directly: it asks the clock it was given.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware UTC."""
        ...


class WallClock:
    """Real time: the production default."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class SimulatedClock:
    """Event time, moved forward by its driver; it never goes backwards."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a simulated clock starts at an aware instant")
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self._now

    def advance_to(self, instant: dt.datetime) -> None:
        """Move to ``instant``; an earlier instant leaves the clock where it is."""
        instant = instant.astimezone(dt.UTC)
        if instant > self._now:
            self._now = instant


WALL_CLOCK = WallClock()
