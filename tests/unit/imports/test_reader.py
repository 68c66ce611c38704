"""Reading a file line by line: a byte the encoding cannot read, or a line too long,
costs only its own row, reported at its own line; every other row is read."""

from __future__ import annotations

import io

import orjson
import pytest

from recaudo.foundation.errors import MappingError
from recaudo.imports import Mapping, Row, parse_mapping, read_rows, reader
from recaudo.imports.reader import HashingStream

MAPPING = parse_mapping(
    orjson.dumps({"event_id": {"columns": ["id"]}, "fields": {"tenant_id": "acme"}})
)
NDJSON = parse_mapping(
    orjson.dumps(
        {"format": "ndjson", "event_id": {"columns": ["id"]}, "fields": {"tenant_id": "acme"}}
    )
)


def rows(data: bytes, mapping: Mapping = MAPPING) -> list[Row]:
    return list(read_rows(HashingStream(io.BytesIO(data)), mapping))


def csv_lines(count: int) -> list[bytes]:
    return [b"id,name", *(f"{n},name {n}".encode() for n in range(2, count + 1))]


@pytest.mark.parametrize("bad_line", [3, 500])  # within the decoder's first chunk, and past it
def test_an_undecodable_byte_costs_only_its_line(bad_line: int) -> None:
    """Once the decoder's whole 8 KB chunk was lost, at a wrong line (or "unreadable header")."""
    lines = csv_lines(1000)
    lines[bad_line - 1] = f"{bad_line},Jos\xe9".encode("latin-1")
    read = rows(b"\n".join(lines) + b"\n")
    assert len(read) == 999
    [bad] = [r for r in read if r.unreadable]
    assert (bad.line, bad.unreadable) == (
        bad_line,
        "unreadable line: not utf-8-sig text (byte 0xe9)",
    )
    assert [r.line for r in read if not r.unreadable] == [
        n for n in range(2, 1001) if n != bad_line
    ]


def test_a_header_with_an_undecodable_byte_is_refused() -> None:
    with pytest.raises(MappingError, match="line 1: unreadable header: not utf-8-sig text"):
        rows(b"id,nom\xe9\n1,a\n")


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_lines_stay_true_around_quoted_newlines_and_bad_bytes(newline: bytes) -> None:
    data = newline.join(
        [b"id,name", b'2,"two', b'lines"', b"4,ok", b"5,caf\xe9", b'6,"x', b'y"', b"8,end", b""]
    )
    read = rows(data)
    assert [(r.line, r.values.get("name"), r.unreadable is None) for r in read] == [
        (2, f"two{newline.decode()}lines", True),
        (4, "ok", True),
        (5, None, False),
        (6, f"x{newline.decode()}y", True),
        (8, "end", True),
    ]


def test_a_line_too_long_is_refused_and_reading_goes_on() -> None:
    """Once held whole in memory: a 200 MB line without a newline took 1 GiB."""
    long = b"3," + b"x" * (3 * reader.MAX_LINE)
    read = rows(b"\n".join([b"id,name", b"2,a", long, b"4,b", b""]))
    assert [(r.line, r.unreadable) for r in read] == [
        (2, None),
        (3, f"unreadable line: line 3 is longer than {reader.MAX_LINE} characters"),
        (4, None),
    ]
    json_long = b'{"id": "' + b"x" * (3 * reader.MAX_LINE) + b'"}'
    read = rows(b"\n".join([b'{"id": "1"}', json_long, b'{"id": "3"}']), NDJSON)
    assert [(r.line, r.unreadable is None) for r in read] == [(1, True), (2, False), (3, True)]


def test_a_crlf_the_length_limit_cuts_is_one_line_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_LINE", 8)
    read = rows(b"id,name\r\n2,abcdef\r\n3,toolong!\r\n4,b\r\n")  # a read takes "2,abcdef\r"
    assert [(r.line, r.unreadable is None) for r in read] == [(2, True), (3, False), (4, True)]


def test_ndjson_lines_with_undecodable_bytes_are_refused_alone() -> None:
    read = rows(b'{"id": "1"}\n{"id": "caf\xe9"}\n{"id": "3"}\n', NDJSON)
    assert [(r.line, r.unreadable) for r in read] == [
        (1, None),
        (2, "unreadable line: not utf-8-sig text (byte 0xe9)"),
        (3, None),
    ]


def utf16_mapping() -> Mapping:
    spec = {"encoding": "utf-16", "event_id": {"columns": ["id"]}, "fields": {"tenant_id": "acme"}}
    return parse_mapping(orjson.dumps(spec))


def test_a_utf16_byte_below_0x80_costs_only_its_line() -> None:
    """Once a UnicodeDecodeError (a 500, a CLI traceback): ``surrogateescape`` gives up on
    a byte below 0x80, as UTF-16's truncated last byte or lone surrogate are."""
    lone = (
        "\ufeffid,name\n2,a\n3,".encode("utf-16-le") + b"\x00\xdc" + "\n4,b\n".encode("utf-16-le")
    )
    read = rows(lone + b"!", utf16_mapping())
    assert [(r.line, r.unreadable) for r in read] == [
        (2, None),
        (3, "unreadable line: not utf-16 text (byte 0x00)"),
        (4, None),
        (5, "unreadable line: not utf-16 text (byte 0x21)"),  # the odd last byte
    ]


def test_utf16_without_a_byte_order_mark_is_refused() -> None:
    """Once a bare UnicodeError from the decoder."""
    with pytest.raises(MappingError, match=r"not utf-16 text \(from line 1 on\): .*BOM"):
        rows("id,name\n2,a\n".encode("utf-16-be"), utf16_mapping())


@pytest.mark.parametrize("text", [r"\ud800", r"p\udc80", r"\udfff\ud800"])
def test_a_json_string_spelling_a_lone_surrogate_is_refused_alone(text: str) -> None:
    """Once a UnicodeEncodeError hashing the row's event id: no UTF-8 holds a surrogate."""
    data = b'{"id": "1"}\n{"id": "' + text.encode() + b'"}\n{"id": "3"}\n'
    read = rows(data, NDJSON)
    assert [(r.line, r.unreadable is None) for r in read] == [(1, True), (2, False), (3, True)]
    assert "lone surrogate" in str(read[1].unreadable)


def test_a_json_number_past_decimal_range_is_refused_alone() -> None:
    """Once a decimal.InvalidOperation out of ``json.loads`` (not a ValueError)."""
    read = rows(b'{"id": "1"}\n{"id": 1e99999999999999999999}\n{"id": "3"}\n', NDJSON)
    assert [(r.line, r.unreadable) for r in read] == [
        (1, None),
        (2, "not valid JSON: a number out of range"),
        (3, None),
    ]


@pytest.mark.parametrize("ending", ["\n", "\r\n", ""])
@pytest.mark.parametrize("over", [-1, 0, 1])
@pytest.mark.parametrize("form", ["csv", "ndjson"])
def test_a_line_of_max_line_characters_is_read_and_one_more_is_refused(
    form: str, over: int, ending: str
) -> None:
    """Once a line of exactly ``MAX_LINE`` characters was refused as longer. At the real
    limit: 1 MiB is a whole number of the decoder's chunks, so the line end falls on the
    edge of one. Without an ending, the long line is the file's last."""
    length = reader.MAX_LINE + over
    if form == "csv":
        first, value, mapping = "id,name", "x" * (length - 2), MAPPING
        long, key = f"2,{value}", "name"
    else:
        first, value, mapping = '{"id": "1"}', "x" * (length - 10), NDJSON
        long, key = f'{{"id": "{value}"}}', "id"
    assert len(long) == length
    after = [f"3,b{ending}" if form == "csv" else f'{{"id": "3"}}{ending}'] if ending else []
    data = "".join([first + (ending or "\n"), long + ending, *after]).encode()
    every = rows(data, mapping)
    assert [r.line for r in every] == [1] * (form == "ndjson") + [2] + [3] * len(after)
    read = every[-1 - len(after) :]
    if over <= 0:
        assert (read[0].line, read[0].unreadable, read[0].values[key]) == (2, None, value)
    else:
        why = f"unreadable line: line 2 is longer than {reader.MAX_LINE} characters"
        assert (read[0].line, read[0].unreadable) == (2, why)
    assert [(r.line, r.unreadable) for r in read[1:]] == [(3, None)] * len(after)


@pytest.mark.parametrize("last", ["12345678", "123456789"])
@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_the_line_limit_counts_characters_before_the_line_end(
    monkeypatch: pytest.MonkeyPatch, ending: str, last: str
) -> None:
    """``MAX_LINE`` characters are read whatever ends them, ``MAX_LINE + 1`` are not; a
    ``\\r\\n`` the read cuts in two is one line end, never a blank line after it. The last
    line has no ending."""
    monkeypatch.setattr(reader, "MAX_LINE", 8)
    text = ending.join(["1234567", "12345678", "123456789", "12345678", "", "ok", last])
    lines = reader.Lines(io.StringIO(text, newline=""))
    read: list[tuple[int, str | None]] = []
    while True:
        try:
            line = next(lines)
        except StopIteration:
            break
        except reader.LineTooLong:
            read.append((lines.number, None))
        else:
            read.append((lines.number, line.rstrip("\r\n")))
    assert read == [
        (1, "1234567"),
        (2, "12345678"),
        (3, None),
        (4, "12345678"),
        (5, ""),
        (6, "ok"),
        (7, last if len(last) == 8 else None),
    ]
