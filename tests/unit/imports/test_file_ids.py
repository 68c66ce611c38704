"""The file's id table past its first growths: every id found again at its first line."""

from __future__ import annotations

from recaudo.contracts.events import Event
from recaudo.imports import Converter, Row
from recaudo.imports.file_ids import FileIds
from tests.unit.imports.test_runner import MAPPING


def payment(pid: str, amount: str = "10.00") -> Event:
    values = {"pid": pid, "amount": amount, "at": "2026-11-30T10:00:00Z"}
    event, problems = Converter(MAPPING).convert(Row(1, values))
    assert event is not None, problems
    return event


def test_ids_are_found_at_their_first_line_across_growths() -> None:
    ids = FileIds()
    count = 10_000  # the table starts at 4,096 slots and doubles at half full
    assert all(ids.first(n, payment(f"p{n}")) == (n, True) for n in range(1, count + 1))
    assert all(ids.first(count + n, payment(f"p{n}")) == (n, True) for n in range(1, count + 1))
    assert ids.first(99_999, payment("p7", "99.00")) == (7, False)
    ids.refuse(payment("p7"))
    assert ids.first(99_999, payment("p7")) == (0, True)
    assert ids.first(99_999, payment("p8")) == (8, True)
