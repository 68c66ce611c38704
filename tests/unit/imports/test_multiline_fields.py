"""A quoted CSV value may span lines (RFC 4180). A good one is one row at its first line;
a broken one (its quote never closed, closed badly, or past the field limit) is one
problem at the line its record starts on, naming the lines it took, and reading goes on
after them: a stray quote never silently eats the rest of the file."""

from __future__ import annotations

import csv
from collections.abc import Iterator

import pytest

from recaudo.foundation.errors import MappingError
from recaudo.imports import reader
from tests.unit.imports.test_reader import rows
from tests.unit.imports.test_runner import AT, Marks, Service, pay, run

UNREADABLE = "unreadable_line"


@pytest.fixture
def field_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A line and field limit of 64 characters, so a runaway quote reaches it soon."""
    monkeypatch.setattr(reader, "MAX_LINE", 64)
    before = csv.field_size_limit(64)
    yield 64
    csv.field_size_limit(before)


async def test_a_quoted_value_over_lines_is_one_row_at_its_first_line() -> None:
    """Already so before the broken cases were fixed: kept, as their counterpart."""
    read = rows(b'id,name\n2,"line one\nline two\nline three"\n5,b\n')
    assert [(r.line, r.values, r.unreadable) for r in read] == [
        (2, {"id": "2", "name": "line one\nline two\nline three"}, None),
        (5, {"id": "5", "name": "b"}, None),
    ]
    # Through the runner: the row's problem is reported at the row's first line.
    summary, problems = await run(
        [pay("p1"), f'p2,"1\n0.00",{AT}', pay("p4")], Service(), Marks(), skip=True
    )
    assert (summary.rows, summary.sent, summary.invalid) == (3, 2, 1)
    assert [(p["line"], p["column"], p["code"]) for p in problems] == [
        (3, "amount", "invalid_cell")
    ]


def test_an_unclosed_quote_is_one_problem_at_the_line_it_starts() -> None:
    """Once "unexpected end of data", which named neither the quote nor the lines it ate."""
    read = rows(b'id,name\n2,a\n3,"never closed\n4,b\n5,c\n')
    assert [(r.line, r.unreadable) for r in read] == [
        (2, None),
        (
            3,
            "unreadable line: unclosed quote in the record starting at line 3: still open at"
            " the end of the file (line 5); lines 3 to 5 are not read as rows",
        ),
    ]


async def test_the_runner_reports_an_unclosed_quote_once_and_counts_the_rows_it_read() -> None:
    """The lines after the quote are the broken record's, named in its one problem, never
    rows: the file is refused, and with ``skip_invalid`` only the rows before it are sent."""
    lines = [pay("p1"), f'"p2,10.00,{AT}', pay("p3"), pay("p4")]
    why = (
        "unreadable line: unclosed quote in the record starting at line 3: still open at"
        " the end of the file (line 5); lines 3 to 5 are not read as rows"
    )
    refused, problems = await run(lines, Service(), Marks())
    assert (refused.refused, refused.rows, refused.invalid, refused.sent) == (True, 2, 1, 0)
    assert problems == [{"line": 3, "code": UNREADABLE, "message": why}]
    service = Service()
    skipped, problems = await run(lines, service, Marks(), skip=True)
    assert (skipped.rows, skipped.sent, skipped.invalid, len(problems)) == (2, 1, 1, 1)
    assert len(service.sent) == 1


def test_a_runaway_quote_stops_at_the_field_limit_and_reading_goes_on() -> None:
    """Once "field larger than field limit": ~1 MiB of rows gone, unsaid. At the real limit,
    and the file is read as a stream (only the rows come back whole)."""
    after = [f"{n},{'x' * 100}\n" for n in range(4, 4 + reader.MAX_LINE // 100)]
    data = ('id,name\n2,a\n3,"stray\n' + "".join(after)).encode()
    # The value is "stray\n" and the lines after it; csv refuses its character past the limit.
    stop, length = 3, len("stray\n")
    while length <= reader.MAX_LINE:
        stop, length = stop + 1, length + len(after[stop - 3])
    read = rows(data)
    assert [(r.line, r.unreadable) for r in read[:2]] == [
        (2, None),
        (
            3,
            "unreadable line: unclosed quote in the record starting at line 3: still open at"
            f" line {stop}, past the limit of {reader.MAX_LINE} characters to a field;"
            f" lines 3 to {stop} are not read as rows, reading goes on at line {stop + 1}",
        ),
    ]
    assert [(r.line, r.values["id"]) for r in read[2:]] == [
        (n, str(n)) for n in range(stop + 1, 4 + len(after))
    ]


async def test_the_runner_sends_the_rows_after_a_runaway_quote(field_limit: int) -> None:
    service = Service()
    lines = [pay("p1"), f'"p2,10.00,{AT}', *(pay(f"p{n}") for n in range(3, 9))]
    summary, problems = await run(lines, service, Marks(), skip=True)
    assert problems == [
        {
            "line": 3,
            "code": UNREADABLE,
            "message": "unreadable line: unclosed quote in the record starting at line 3:"
            f" still open at line 5, past the limit of {field_limit} characters to a field;"
            " lines 3 to 5 are not read as rows, reading goes on at line 6",
        }
    ]
    assert (summary.rows, summary.sent, summary.invalid) == (6, 5, 1)
    assert len(service.sent) == 5  # p1 and p5 to p8


@pytest.mark.parametrize(
    ("data", "end"),
    [
        (b'id,name\n2,a\n3,"x\ny"z\n5,b\n', 4),  # text after the closing quote
        (b'id,name\n2,a\n3,"stray\n4,b\n5,"c, d"\n6,b\n', 5),  # a later quote closes it
    ],
)
def test_a_quote_closed_badly_over_lines_is_one_problem(data: bytes, end: int) -> None:
    """Once the bare "',' expected after '\"'" at the record's line, the lines it ate unsaid."""
    read = rows(data)
    assert [(r.line, r.unreadable) for r in read] == [
        (2, None),
        (
            3,
            "unreadable line: broken quote in the record starting at line 3: ',' expected"
            f" after '\"' (line {end}); lines 3 to {end} are not read as rows",
        ),
        (end + 1, None),
    ]


def test_a_header_with_an_unclosed_quote_is_refused_naming_it() -> None:
    why = (
        r"line 1: unreadable header: unclosed quote in the record starting at line 1: still"
        r" open at the end of the file \(line 3\)"
    )
    with pytest.raises(MappingError, match=why):
        rows(b'id,"name\n2,a\n3,b\n')


def test_a_line_too_long_inside_a_quoted_value_ends_its_record(field_limit: int) -> None:
    """The long line is skipped unread, so where the value closes is unknown: as at the field
    limit, reading goes on after it, and the rest of the value is read as rows of its own."""
    read = rows(b'id,name\n2,"a\n' + b"x" * 100 + b'\nb"\n5,c\n')
    assert [(r.line, r.unreadable) for r in read] == [
        (
            2,
            f"unreadable line: line 3 is longer than {field_limit} characters, inside a quoted"
            " value of the record starting at line 2; lines 2 to 3 are not read as rows",
        ),
        (4, "1 field(s) where the header has 2"),
        (5, None),
    ]
