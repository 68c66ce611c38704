"""The one clock of the decision path.

Production reads the wall clock; ``recaudo backtest`` and the demo move a
simulated clock over event time, so the same code decides 30 days of a
portfolio in minutes. Nothing on the live path calls ``datetime.now`` or
``time.time`` directly: it asks the clock it was given.
"""

from __future__ import annotations

import datetime as dt
import time
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


class ScaledClock:
    """Simulated time that runs ``speed`` times faster than the wall, from ``start``.

    Every process of a demo computes the same instant from the same three
    numbers, so the worker, the web app and the simulated debtors agree on the
    time without talking to each other.
    """

    def __init__(self, start: dt.datetime, origin_unix: float, speed: float) -> None:
        if start.tzinfo is None:
            raise ValueError("a scaled clock starts at an aware instant")
        self._start = start.astimezone(dt.UTC)
        self._origin = origin_unix
        self._speed = speed

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=(time.time() - self._origin) * self._speed)


WALL_CLOCK = WallClock()
