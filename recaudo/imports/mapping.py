"""The column mapping: which column (or constant) fills each field of the event.

A mapping is TOML or JSON. ``fields`` mirrors the event's own shape: a value is
a constant (``type = "account"``), a column (``{ column = "dpd", as = "int" }``),
a table of such values (``flags``) or a list of them (``contact_points``). The
mapping only turns text into JSON values; whether they make a valid event is
decided by the event models themselves, never here.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from recaudo.contracts.topics import TOPIC_OF_TYPE
from recaudo.contracts.validation_errors import first
from recaudo.foundation.errors import MappingError

Kind = Literal["str", "int", "bool", "date", "datetime", "money"]
TRUE = ("true", "t", "1", "yes", "y", "si", "sí", "s", "sim")
FALSE = ("false", "f", "0", "no", "n", "não", "nao")
#: The integers JSON carries here (orjson writes no wider; TOML reads any size).
INT_MIN, INT_MAX = -(2**63), 2**64 - 1


#: Encodings whose decoders read a byte sequence alike wherever it stands, so a bad one costs
#: its own line: Unicode, ASCII, latin-1 and the CJK codes without shift states. ISO-2022 and
#: HZ carry a shift state from line to line, and UTF-7, idna, punycode and the escape codecs
#: decode ASCII spellings across bytes, not characters: refused, as are codecs not listed.
_LINE_SAFE = frozenset(
    {"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"}
    | {"utf-32-be", "ascii", "iso8859-1", "big5", "big5hkscs", "cp932", "cp949", "cp950"}
    | {"euc_jis_2004", "euc_jisx0213", "euc_jp", "euc_kr", "gb18030", "gb2312", "gbk"}
    | {"johab", "shift_jis", "shift_jis_2004", "shift_jisx0213"}
)


def _line_safe(codec: codecs.CodecInfo) -> bool:
    """A codec the reader can number lines in: listed, or the standard library's table of
    one character per byte (cp1252, iso8859-15, koi8-r...): a rule, so none is left out."""
    if codec.name in _LINE_SAFE:
        return True
    name = getattr(codec.incrementaldecoder, "__module__", "")
    module = sys.modules.get(name) if name.startswith("encodings.") else None
    return hasattr(module, "decoding_table")


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Column(Strict):
    """A field read from one column of the row."""

    column: str = Field(min_length=1)
    kind: Kind = Field(default="str", alias="as")
    #: strptime format for ``date`` and ``datetime`` (default ISO 8601).
    format: str | None = None
    #: ``major`` (12.50) or ``minor`` (1250) units, for ``money``.
    units: Literal["major", "minor"] = "major"
    #: ISO 4217 code, or the column holding it, for ``money``.
    currency: str | None = None
    currency_column: str | None = None
    decimal: str = Field(default=".", min_length=1, max_length=1)
    thousands: str = Field(default="", max_length=1)
    #: Recode values before conversion (``{"MORA" = "delinquent"}``).
    values: dict[str, str] = {}
    true: tuple[str, ...] = TRUE
    false: tuple[str, ...] = FALSE

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def money_has_a_currency(self) -> Column:
        if self.kind == "money" and not (self.currency or self.currency_column):
            raise ValueError("money needs currency (a code) or currency_column")
        if self.kind == "money" and self.decimal == self.thousands:  # "1.5" would read as 15
            raise ValueError(f"decimal and thousands are both {self.decimal!r}")
        return self

    def columns(self) -> list[str]:
        return [self.column, *([self.currency_column] if self.currency_column else [])]


class EventIdSpec(Strict):
    """How ``event_id`` is made: a column as it is, or a hash of chosen columns.

    Hashed ids are ``prefix:`` and 32 hex digits of BLAKE2b over the tenant, the
    type and the columns' values: the same row always gets the same id, so a
    re-import is recognised, and a changed row (a new snapshot) gets a new one.
    Without ``column`` or ``columns``, every column of the row is hashed.
    """

    column: str | None = None
    columns: tuple[str, ...] = ()
    prefix: str = Field(default="imp", pattern=r"^[A-Za-z0-9._:@/-]{1,32}$")


@dataclass(frozen=True, slots=True)
class Const:
    value: Any


@dataclass(frozen=True, slots=True)
class Table:
    items: dict[str, Node]


@dataclass(frozen=True, slots=True)
class Array:
    items: tuple[Node, ...]


Node = Const | Column | Table | Array


def _node(value: Any, path: str) -> Node:
    if isinstance(value, dict) and "column" in value:
        try:
            return Column.model_validate(value)
        except ValidationError as exc:
            raise MappingError(f"fields.{path}: {first(exc)}") from None  # path: dotted field
    if isinstance(value, dict):
        return Table({k: _node(v, f"{path}.{k}" if path else k) for k, v in value.items()})
    if isinstance(value, list):
        return Array(tuple(_node(v, f"{path}[{i}]") for i, v in enumerate(value)))
    if isinstance(value, float):
        raise MappingError(f"fields.{path}: a constant is never a float (money is minor units)")
    if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
        raise MappingError(f"fields.{path}: the integer {value} is beyond 64 bits")
    if isinstance(value, dt.date | dt.datetime):
        value = value.isoformat()
    return Const(value)


class MappingFile(Strict):
    format: Literal["csv", "ndjson"] = "csv"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    #: Python's name for it; only those the reader numbers lines in (``_line_safe``).
    encoding: str = "utf-8-sig"
    #: The zone of dates and datetimes written without an offset.
    timezone: str = "UTC"
    event_id: EventIdSpec = EventIdSpec()
    fields: dict[str, Any]

    @field_validator("encoding")
    @classmethod
    def known_encoding(cls, value: str) -> str:
        try:
            # As the reader opens the file: refuses names Python lacks and bytes codecs (hex).
            io.TextIOWrapper(io.BytesIO(), encoding=value)
        except LookupError as exc:
            raise ValueError(f"{value!r} is not a text encoding Python knows") from exc
        if not _line_safe(codecs.lookup(value)):
            raise ValueError(
                f"{value!r} is not a text encoding a file is read in: UTF-8, UTF-16 or UTF-32, "
                "a single-byte code page (latin-1, cp1252, iso8859-15...) or a CJK one "
                "(shift_jis, gb18030, big5, euc-kr...)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value


@dataclass(frozen=True)
class Mapping:
    """A checked mapping: its settings, the field tree, and a digest naming it."""

    spec: MappingFile
    root: Table
    tenant_id: str
    digest: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.spec.timezone)

    def columns(self) -> set[str]:
        """Every column the mapping reads (a CSV header must have them all)."""
        out: set[str] = set(self.spec.event_id.columns)
        if self.spec.event_id.column:
            out.add(self.spec.event_id.column)
        stack: list[Node] = [self.root]
        while stack:
            node = stack.pop()
            if isinstance(node, Column):
                out.update(node.columns())
            elif isinstance(node, Table):
                stack.extend(node.items.values())
            elif isinstance(node, Array):
                stack.extend(node.items)
        return out


def parse_mapping(raw: bytes, name: str = "mapping") -> Mapping:
    """A mapping from TOML or JSON bytes (JSON when it starts with ``{``)."""
    try:
        text = raw.decode("utf-8-sig")
        data = orjson.loads(text) if text.lstrip().startswith("{") else tomllib.loads(text)
    except (UnicodeDecodeError, orjson.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"{name}: not TOML or JSON: {exc}") from None
    try:
        spec = MappingFile.model_validate(data)
    except ValidationError as exc:
        raise MappingError(f"{name}: {first(exc)}") from None
    root = _node(spec.fields, "")
    assert isinstance(root, Table)
    tenant = root.items.get("tenant_id")
    if not isinstance(tenant, Const) or not isinstance(tenant.value, str):
        raise MappingError(f"{name}: fields.tenant_id must be a constant: one tenant per file")
    kind = root.items.get("type")
    if isinstance(kind, Const) and kind.value not in TOPIC_OF_TYPE:
        raise MappingError(f"{name}: fields.type {kind.value!r} is not an event type")
    if "event_id" in root.items:
        raise MappingError(f"{name}: event_id is made by [event_id], not fields.event_id")
    digest = hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
    return Mapping(spec, root, tenant.value, digest)


def load_mapping(path: str | Path) -> Mapping:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise MappingError(f"{path}: {exc.strerror}") from None
    return parse_mapping(raw, str(path))
