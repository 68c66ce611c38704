"""Rows of a CSV or NDJSON file, streamed: one row in memory at a time.

Each row carries the line it starts on (a quoted CSV value may span lines),
for the report. The raw bytes are hashed as they are read, so a file is named
by its content (the resume checkpoint) without a pass of its own.

A line is decoded on its own terms: bytes the mapping's encoding cannot read
become lone surrogates (``surrogateescape``, here for any byte: UTF-16's are
below 0x80 too) rather than an error that would drop the decoder's whole chunk,
so only the row holding them is refused, at its own line. A decoder that fails
outright (UTF-16 without a byte-order mark) refuses the file, a ``MappingError``.
A line longer than ``MAX_LINE`` is refused too and skipped a piece at a time, so
one without a newline never sits whole in memory.

A CSV record whose quoted value breaks (never closed, closed badly, past the field
limit) is one problem at the line it starts on, naming the lines it took: ``csv``
gives up where it can tell, at most ``MAX_LINE`` characters into the value, and
reading goes on after that line, so a stray quote never eats the rest of a file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from recaudo.foundation.errors import MappingError
from recaudo.imports.mapping import Mapping

#: The longest line (and CSV field: a quoted one may span lines) read, in characters.
MAX_LINE = 1 << 20
csv.field_size_limit(MAX_LINE)
_ENDS = ("\n", "\r")
#: What ``_ESCAPE`` makes of an undecodable byte (as ``surrogateescape``, and below 0x80).
_UNDECODABLE = re.compile("[\udc00-\udcff]")
#: A surrogate a JSON string may spell (``"\\ud800"``): not text, and no UTF-8 holds it.
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPE = "recaudo-escape"


def _escape(exc: UnicodeError) -> tuple[str, int]:
    """``surrogateescape`` for every byte: it gives up on one below 0x80 (UTF-16's)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(chr(0xDC00 + b) for b in bad), exc.end


codecs.register_error(_ESCAPE, _escape)


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    values: dict[str, Any]
    #: Why the line is not a row at all (wrong field count, not JSON), else None.
    unreadable: str | None = None


class HashingStream(io.RawIOBase):
    """A binary stream that hashes and counts what passes through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.sha256 = hashlib.sha256()
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.sha256.update(data)
        self.read_bytes += n
        return n


class LineTooLong(Exception):
    """A line over ``MAX_LINE`` characters, skipped."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line} is longer than {MAX_LINE} characters")


class Lines:
    """The text's lines, numbered, none longer than ``MAX_LINE``: a longer one raises
    ``LineTooLong`` and the next call goes on after it (``csv.reader`` survives that)."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self.number = 0
        #: The text ran out: a CSV record ``csv`` then refuses has a quote still open.
        self.ended = False
        self._after_cr = False

    def __iter__(self) -> Lines:
        return self

    def __next__(self) -> str:
        # One character past the limit: a line of MAX_LINE characters and its \n (or the
        # \r of its \r\n) fit, and a read that ends on no line end holds a longer line
        # unless the file ended first.
        line = self._readline(MAX_LINE + 1)
        if self._after_cr and line == "\n":
            line = self._readline(MAX_LINE + 1)  # a \r\n the size limit cut in two
        if not line:
            self.ended = True
            raise StopIteration
        self.number += 1
        if len(line) > MAX_LINE and not line.endswith(_ENDS):
            while line and not line.endswith(_ENDS):  # the rest of it, a piece at a time
                line = self._readline(1 << 16)
            self._after_cr = line.endswith("\r")
            raise LineTooLong(self.number)
        self._after_cr = line.endswith("\r")
        return line

    def _readline(self, limit: int) -> str:
        try:
            return self._text.readline(limit)
        except UnicodeError as exc:  # not a byte the decoder could escape: it gave up
            encoding = getattr(self._text, "encoding", "the mapping's encoding")
            raise MappingError(
                f"not {encoding} text (from line {self.number + 1} on): {exc}"
            ) from None


def read_rows(stream: HashingStream, mapping: Mapping) -> Iterator[Row]:
    buffered = io.BufferedReader(stream, buffer_size=1 << 16)
    text = io.TextIOWrapper(buffered, encoding=mapping.spec.encoding, errors=_ESCAPE, newline="")
    if mapping.spec.format == "ndjson":
        yield from _ndjson(Lines(text), mapping.spec.encoding)
    else:
        yield from _csv(Lines(text), mapping)


def _undecodable(text: str, encoding: str) -> str | None:
    """Why ``text`` holds bytes its encoding could not read, or None."""
    found = _UNDECODABLE.search(text)
    if found is None:
        return None
    return f"not {encoding} text (byte 0x{ord(found.group()) - 0xDC00:02x})"


def _csv(lines: Lines, mapping: Mapping) -> Iterator[Row]:
    spec = mapping.spec
    reader = csv.reader(lines, delimiter=spec.delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    except (csv.Error, LineTooLong) as exc:
        raise MappingError(f"line 1: unreadable header: {_broken(exc, 1, lines)}") from None
    if why := _undecodable("".join(header), spec.encoding):
        raise MappingError(f"line 1: unreadable header: {why}")
    missing = sorted(mapping.columns() - set(header))
    if missing:
        raise MappingError(f"line 1: the header lacks the mapped column(s) {', '.join(missing)}")
    while True:
        start = lines.number + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, LineTooLong) as exc:
            yield Row(start, {}, f"unreadable line: {_broken(exc, start, lines)}")
            continue
        if not cells or cells == [""]:
            continue  # a blank line
        if why := _undecodable("".join(cells), spec.encoding):
            yield Row(start, {}, f"unreadable line: {why}")
            continue
        if len(cells) != len(header):
            why = f"{len(cells)} field(s) where the header has {len(header)}"
            yield Row(start, {}, why)
            continue
        yield Row(start, dict(zip(header, cells, strict=True)))


def _broken(exc: csv.Error | LineTooLong, start: int, lines: Lines) -> str:
    """Why the CSV record starting at line ``start`` is not read. One ``csv`` gave up on
    after reading further lines had a quoted value open across them: say so, and how far
    it ran, since those lines are not rows (reading goes on after the last of them)."""
    end = lines.number
    skipped = f"; lines {start} to {end} are not read as rows" if end > start else ""
    if lines.ended:  # strict ``csv`` fails at the end of the text only inside quotes
        return (
            f"unclosed quote in the record starting at line {start}: still open at the end"
            f" of the file (line {end}){skipped}"
        )
    if end == start:
        return str(exc)
    if isinstance(exc, LineTooLong):
        return f"{exc}, inside a quoted value of the record starting at line {start}{skipped}"
    if str(exc).startswith("field larger than field limit"):
        return (
            f"unclosed quote in the record starting at line {start}: still open at line {end},"
            f" past the limit of {csv.field_size_limit()} characters to a field{skipped},"
            f" reading goes on at line {end + 1}"
        )
    return f"broken quote in the record starting at line {start}: {exc} (line {end}){skipped}"


def _ndjson(lines: Lines, encoding: str) -> Iterator[Row]:
    while True:
        try:
            raw = next(lines)
        except StopIteration:
            return
        except LineTooLong as exc:
            yield Row(lines.number, {}, f"unreadable line: {exc}")
            continue
        if not raw.strip():
            continue
        if why := _undecodable(raw, encoding):
            yield Row(lines.number, {}, f"unreadable line: {why}")
            continue
        try:
            # Decimals, never floats: 12.10 is money, and 12.1 != 12.10 in binary.
            value = json.loads(raw, parse_float=Decimal)
        except ValueError as exc:
            yield Row(lines.number, {}, f"not valid JSON: {exc}")
            continue
        except ArithmeticError:  # Decimal's: an exponent past its range (1e99999999999999999999)
            yield Row(lines.number, {}, "not valid JSON: a number out of range")
            continue
        if not isinstance(value, dict):
            yield Row(lines.number, {}, "not a JSON object")
            continue
        if (found := _surrogate(value)) is not None:
            why = f"unreadable line: a lone surrogate (\\u{ord(found):04x}) in a JSON string"
            yield Row(lines.number, {}, why)
            continue
        yield Row(lines.number, value)


def _surrogate(value: Any) -> str | None:
    """A lone surrogate in any string (key or value) of a JSON value, or None."""
    if isinstance(value, str):
        found = _SURROGATE.search(value)
        return found.group() if found else None
    if isinstance(value, dict):
        items: list[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    else:
        return None
    return next((f for f in map(_surrogate, items) if f is not None), None)
