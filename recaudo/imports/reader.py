"""Rows of a CSV or NDJSON file, streamed: one row in memory at a time.

Each row carries the line it starts on (a quoted CSV value may span lines),
for the report. The raw bytes are hashed as they are read, so a file is named
by its content (the resume checkpoint) without a pass of its own.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from recaudo.foundation.errors import MappingError
from recaudo.imports.mapping import Mapping

# A CSV field may be long (an address, free text), not unbounded.
csv.field_size_limit(1 << 20)


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


def read_rows(stream: HashingStream, mapping: Mapping) -> Iterator[Row]:
    buffered: IO[bytes] = io.BufferedReader(stream, buffer_size=1 << 16)
    if mapping.spec.format == "ndjson":
        yield from _ndjson(buffered)
    else:
        yield from _csv(buffered, mapping)


def _csv(buffered: IO[bytes], mapping: Mapping) -> Iterator[Row]:
    spec = mapping.spec
    text = io.TextIOWrapper(buffered, encoding=spec.encoding, errors="strict", newline="")
    reader = csv.reader(text, delimiter=spec.delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    except (csv.Error, UnicodeDecodeError) as exc:
        raise MappingError(f"line 1: unreadable header: {exc}") from None
    missing = sorted(mapping.columns() - set(header))
    if missing:
        raise MappingError(f"line 1: the header lacks the mapped column(s) {', '.join(missing)}")
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            yield Row(start, {}, f"unreadable line: {exc}")
            continue
        if not cells or cells == [""]:
            continue  # a blank line
        if len(cells) != len(header):
            why = f"{len(cells)} field(s) where the header has {len(header)}"
            yield Row(start, {}, why)
            continue
        yield Row(start, dict(zip(header, cells, strict=True)))


def _ndjson(buffered: IO[bytes]) -> Iterator[Row]:
    for number, raw in enumerate(buffered, start=1):
        if not raw.strip():
            continue
        try:
            # Decimals, never floats: 12.10 is money, and 12.1 != 12.10 in binary.
            value = json.loads(raw, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError) as exc:
            yield Row(number, {}, f"not valid JSON: {exc}")
            continue
        if not isinstance(value, dict):
            yield Row(number, {}, "not a JSON object")
            continue
        yield Row(number, value)
