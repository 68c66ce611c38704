"""Where a backtest's input events come from: a dated log, or a reacting world."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import orjson
from pydantic import TypeAdapter, ValidationError

from recaudo.contracts.events import InputEvent
from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.errors import InvalidEvent

_INPUT: TypeAdapter[InputEvent] = TypeAdapter(InputEvent)


class EventSource(Protocol):
    """Events in time order; a world also hears about the contacts it was sent."""

    def next_time(self) -> dt.datetime | None: ...

    def take_until(self, t: dt.datetime) -> list[InputEvent]: ...

    def contact(self, command: ContactCommand, sent_at: dt.datetime) -> None: ...


class EventLog:
    """A lender's dated event log (NDJSON of input events); contacts change nothing in it."""

    def __init__(self, events: Iterable[InputEvent]) -> None:
        self._heap = [(e.occurred_at, e.event_id, i, e) for i, e in enumerate(events)]
        heapq.heapify(self._heap)

    @classmethod
    def read(cls, path: str | Path) -> EventLog:
        events: list[InputEvent] = []
        with Path(path).open("rb") as handle:
            for line_no, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    events.append(_INPUT.validate_python(orjson.loads(line)))
                except (orjson.JSONDecodeError, ValidationError) as exc:
                    raise InvalidEvent(f"{path}:{line_no}: {exc}") from exc
        return cls(events)

    def next_time(self) -> dt.datetime | None:
        return self._heap[0][0] if self._heap else None

    def tenants(self) -> list[str]:
        """The tenants the log speaks for: a backtest's default when none is named."""
        return sorted({item[3].tenant_id for item in self._heap})

    def take_until(self, t: dt.datetime) -> list[InputEvent]:
        out: list[InputEvent] = []
        while self._heap and self._heap[0][0] <= t:
            out.append(heapq.heappop(self._heap)[3])
        return out

    def contact(self, command: ContactCommand, sent_at: dt.datetime) -> None:
        """A log does not react: what the debtors did is already in it."""
