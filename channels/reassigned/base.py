"""The port: one question to a reassigned-numbers source."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from recaudo.rules.reassigned import RndResult


class ReassignedNumbers(Protocol):
    async def disconnected_since(self, number: str, date: dt.date) -> RndResult:
        """Whether ``number`` (E.164) was permanently disconnected on or after ``date``."""
        ...
