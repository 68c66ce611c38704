"""The import's two passes against stand-ins for the service: a file that repeats an
event id, with the same content or other, sends each id once and counts every row."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import orjson
import pytest

from recaudo.contracts.events import Event
from recaudo.foundation.errors import EventIdConflict
from recaudo.imports import Converter, Report, Row, Summary, parse_mapping, run_import
from recaudo.imports.convert import skew_check
from recaudo.imports.intake import Seen

CONFLICT = "event_id_conflict"
MAPPING = parse_mapping(
    orjson.dumps(
        {
            "event_id": {"columns": ["pid"]},
            "fields": {
                "type": "payment",
                "tenant_id": "acme",
                "occurred_at": {"column": "at", "as": "datetime"},
                "paid_at": {"column": "at", "as": "datetime"},
                "debtor_id": "d1",
                "account_id": "a1",
                "payment_id": {"column": "pid"},
                "amount": {"column": "amount", "as": "money", "currency": "MXN"},
                "method": "cash",
            },
        }
    )
)


class Service:
    """Claims each id for its content, as ``Intake`` does; nothing is processed yet."""

    def __init__(self) -> None:
        self.claimed: dict[str, str] = {}
        self.sent: list[str] = []

    async def seen(self, events: Sequence[Event]) -> list[Seen]:
        held = [self.claimed.get(e.event_id) for e in events]
        return [
            Seen.NEW if h in (None, e.model_dump_json()) else Seen.CONFLICT
            for e, h in zip(events, held, strict=True)
        ]

    async def send(self, events: Sequence[Event]) -> None:
        for e in events:
            if self.claimed.setdefault(e.event_id, e.model_dump_json()) != e.model_dump_json():
                raise EventIdConflict(e.event_id)
            self.sent.append(e.event_id)


class Marks:
    def __init__(self) -> None:
        self.lines: dict[str, int] = {}

    async def sent_through(self, tenant_id: str, file_key: str) -> int:
        return self.lines.get(file_key, 0)

    async def advance(self, tenant_id: str, file_key: str, line: int) -> None:
        self.lines[file_key] = line


async def run(
    rows: list[str], service: Service, marks: Marks, *, skip: bool = False, chunk: int = 2
) -> tuple[Summary, list[dict[str, object]]]:
    data = "\n".join(["pid,amount,at", *rows, ""]).encode()
    out = io.BytesIO()
    summary = await run_import(
        lambda: io.BytesIO(data),
        MAPPING,
        Converter(MAPPING),
        service,
        marks,
        Report(out),
        skip_invalid=skip,
        chunk=chunk,
    )
    if not summary.refused:
        counted = summary.sent + summary.invalid + summary.duplicates + summary.resumed
        assert summary.rows == counted, summary
    return summary, [orjson.loads(line) for line in out.getvalue().splitlines()]


AT = "2026-11-30T10:00:00Z"


def pay(pid: str, amount: str = "10.00") -> str:
    return f"{pid},{amount},{AT}"


@pytest.mark.parametrize("chunk", [500, 2])  # in one chunk, and in another chunk
async def test_a_row_repeated_in_the_file_is_sent_once(chunk: int) -> None:
    """Once published twice when its copy fell in another chunk."""
    service, marks = Service(), Marks()
    rows = [pay("p1"), pay("p2"), pay("p3"), pay("p1")]
    summary, problems = await run(rows, service, marks, chunk=chunk)
    assert (summary.sent, summary.duplicates, problems) == (3, 1, [])
    assert sorted(service.sent) == sorted(set(service.sent))
    again, _ = await run(rows, service, marks, chunk=chunk)
    assert (again.sent, again.resumed, again.duplicates) == (0, 3, 1)  # the copy is last


@pytest.mark.parametrize("chunk", [500, 2])
async def test_an_id_given_other_content_later_in_the_file_is_a_conflict(chunk: int) -> None:
    """Once dropped as a duplicate (one chunk), or an EventIdConflict after earlier chunks
    were sent (another chunk): now pass 1 refuses the file, naming the row."""
    service, marks = Service(), Marks()
    rows = [pay("p1"), pay("p2"), pay("p3"), pay("p1", "99.00")]
    refused, [problem] = await run(rows, service, marks, chunk=chunk)
    assert (refused.refused, refused.invalid, service.sent) == (True, 1, [])
    assert (problem["line"], problem["code"]) == (5, "event_id_conflict")
    assert "line 2 of this file" in str(problem["message"])

    skipped, _ = await run(rows, service, marks, skip=True, chunk=chunk)
    assert (skipped.sent, skipped.invalid, skipped.refused) == (3, 1, False)
    again, _ = await run(rows, service, marks, skip=True, chunk=chunk)
    assert (again.sent, again.invalid, again.resumed) == (0, 1, 3)


async def test_rows_the_service_holds_other_content_for_are_counted_once() -> None:
    """Skipped as conflicts, they were counted invalid and again as resumed on a rerun."""
    service, marks = Service(), Marks()
    await run([pay("p1", "5.00")], service, Marks())  # another file claims p1
    rows = [pay("p1"), pay("p2"), pay("p3"), pay("p1")]
    once, problems = await run(rows, service, marks, skip=True)
    assert (once.sent, once.invalid) == (2, 2)
    assert [(p["line"], p["code"]) for p in problems] == [(2, CONFLICT), (5, CONFLICT)]
    again, _ = await run(rows, service, marks, skip=True)
    assert (again.invalid, again.resumed, again.sent) == (2, 2, 0)


async def test_a_row_refused_in_the_first_pass_is_never_sent_by_the_second() -> None:
    """Once sent, though counted invalid, when a check judged it otherwise the second time
    (the skew check read the clock again, and a row slightly in the future had come due)."""
    judged: list[str] = []

    def once_then_fine(event: Event) -> str | None:
        judged.append(event.event_id)
        return "occurred_at: more than 300 s in the future" if len(judged) == 2 else None

    data = "\n".join(["pid,amount,at", pay("p1"), pay("p2"), pay("p3"), ""]).encode()
    service = Service()
    summary = await run_import(
        lambda: io.BytesIO(data),
        MAPPING,
        Converter(MAPPING, once_then_fine),
        service,
        Marks(),
        Report(io.BytesIO()),
        skip_invalid=True,
    )
    assert len(judged) == 6  # each row in each pass
    assert (summary.sent, summary.invalid) == (2, 1)
    refused, _ = Converter(MAPPING).convert(Row(3, {"pid": "p2", "amount": "10.00", "at": AT}))
    assert refused is not None
    assert len(service.sent) == 2
    assert refused.event_id not in service.sent


def test_the_skew_check_judges_at_the_instant_it_is_given() -> None:
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
    check = skew_check(at - dt.timedelta(seconds=301), future_s=300, max_age_s=0)
    event, _ = Converter(MAPPING).convert(Row(2, {"pid": "p", "amount": "1", "at": at.isoformat()}))
    assert event is not None
    assert check(event) == "occurred_at: more than 300 s in the future"
    assert skew_check(at, future_s=300, max_age_s=0)(event) is None
