"""One row to one input event, through the event models themselves.

The mapping turns cells into JSON values (numbers, money in minor units,
RFC 3339 instants); ``TypeAdapter(InputEvent)`` then decides whether they make
an event, exactly as ``POST /v1/events`` does. A schema error is traced back to
the column that fed the field, so the report names what to fix in the file. An
NDJSON date or datetime is a string, as in a CSV: a JSON number (or true/false)
there is a bad cell, never read as a Unix timestamp.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation
from typing import Any

from babel.numbers import get_currency_precision
from pydantic import TypeAdapter, ValidationError

from recaudo.contracts.events import Event, InputEvent
from recaudo.contracts.topics import TOPIC_OF_TYPE
from recaudo.contracts.urgency import occurred_at_error
from recaudo.imports.mapping import Array, Column, Const, Mapping, Node, Table
from recaudo.imports.reader import Row
from recaudo.imports.report import Problem

_INPUT: TypeAdapter[Any] = TypeAdapter(InputEvent)
_EMPTY = object()
#: ASCII digits only: ``\d`` and ``int()`` take full-width and Arabic-Indic ones too.
_INT = re.compile(r"[+-]?[0-9]+")
#: Wide enough that moving the point never rounds (the default keeps 28 digits).
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
#: Minor units of this many digits are far past any the event takes (2^53): refused here,
#: before ``int()`` spends time and memory on 1e999999999.
_MINOR_DIGITS = 30
_SAID = re.compile(r"(?:Value error, )?([a-z_][a-z0-9_.]*): (.*)", re.S)
#: A last check beyond the schema (the HTTP edge's clock skew): why the event is refused.
Check = Callable[[Event], str | None]


def skew_check(received_at: dt.datetime, future_s: float, max_age_s: float) -> Check:
    """The HTTP edge's ``occurred_at`` skew check, against the instant the import began
    (on the service's clock): read once, so both passes judge a row alike and a row
    refused in the first is never sent by the second."""

    def check(event: Event) -> str | None:
        return occurred_at_error(event, received_at, future_s, max_age_s)

    return check


class CellError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


class Converter:
    def __init__(self, mapping: Mapping, check: Check | None = None) -> None:
        self._mapping = mapping
        self._zone = mapping.zone
        self._check = check

    def convert(self, row: Row) -> tuple[Event | None, list[Problem]]:
        """The row's event, or the problems that stop it (each naming its column)."""
        if row.unreadable is not None:
            return None, [Problem(row.line, None, None, "unreadable_line", row.unreadable)]
        sources: dict[str, str] = {}
        try:
            data = self._build(self._mapping.root, row, "", sources)
        except CellError as exc:
            field = next((f for f, c in sources.items() if c == exc.column), None)
            return None, [Problem(row.line, exc.column, field, "invalid_cell", str(exc))]
        if not isinstance(data, dict):
            data = {}
        try:
            data["event_id"] = self._event_id(row, data)
        except CellError as exc:
            return None, [Problem(row.line, exc.column, "event_id", "invalid_cell", str(exc))]
        try:
            event = _INPUT.validate_python(data)
        except ValidationError as exc:
            return None, [self._problem(row.line, err, sources) for err in exc.errors()]
        why = self._check(event) if self._check else None
        if why is not None:
            field, _, message = why.partition(": ")
            return None, [
                Problem(row.line, _column(field, sources), field, "invalid_field", message)
            ]
        return event, []

    # -- building the JSON value -------------------------------------------------------
    def _build(self, node: Node, row: Row, path: str, sources: dict[str, str]) -> Any:
        if isinstance(node, Const):
            return node.value
        if isinstance(node, Column):
            sources[path] = node.column
            if node.currency_column:
                sources[f"{path}.currency"] = node.currency_column
            return self._cell(node, row)
        if isinstance(node, Table):
            out: dict[str, Any] = {}
            columns = filled = 0
            for key, child in node.items.items():
                value = self._build(child, row, f"{path}.{key}" if path else key, sources)
                columns += _reads(child)
                if value is not _EMPTY:
                    filled += _reads(child)
                    out[key] = value
            # A table fed by columns that are all empty is absent (a debtor with no e-mail).
            return _EMPTY if columns and not filled else out
        items: list[Any] = []
        for child in node.items:
            value = self._build(child, row, f"{path}.{len(items)}", sources)
            if value is not _EMPTY:
                items.append(value)
        return items

    def _cell(self, spec: Column, row: Row) -> Any:
        raw = row.values.get(spec.column)
        if isinstance(raw, str):
            raw = raw.strip()
            raw = spec.values.get(raw, raw)
        if raw is None or raw == "":
            return _EMPTY
        if not isinstance(raw, str):
            return _scalar(spec, raw, row)
        try:
            return _parse(spec, raw, row, self._zone)
        except (ValueError, InvalidOperation) as exc:
            message = str(exc) if isinstance(exc, CellError) else f"{raw!r}: {exc}"
            column = exc.column if isinstance(exc, CellError) else spec.column
            raise CellError(column, message) from None

    # -- event id ----------------------------------------------------------------------
    def _event_id(self, row: Row, data: dict[str, Any]) -> str:
        spec = self._mapping.spec.event_id
        if spec.column:
            value = row.values.get(spec.column)
            text = "" if value is None else str(value).strip()
            if not text:
                raise CellError(spec.column, "empty: the event id column must be filled")
            return text
        if spec.columns:
            parts = [str(row.values.get(c, "")).strip() for c in spec.columns]
        else:
            parts = [f"{k}\x1e{v}" for k, v in sorted(row.values.items())]
        kind = str(data.get("type", ""))
        raw = "\x1f".join([self._mapping.tenant_id, kind, *parts]).encode()
        return f"{spec.prefix}:{hashlib.blake2b(raw, digest_size=16).hexdigest()}"

    def _problem(self, line: int, err: Any, sources: dict[str, str]) -> Problem:
        loc = tuple(err["loc"])
        if loc and loc[0] in TOPIC_OF_TYPE:
            loc = loc[1:]  # the discriminator's tag, not a field
        elif err["type"].startswith("union_tag"):
            loc = ("type",)
        field = ".".join(str(p) for p in loc)
        message = str(err["msg"])
        said = _SAID.fullmatch(message)
        if not field and said:  # a model check naming its field ("amount_due.currency: …")
            field, message = said.group(1), said.group(2)
        return Problem(line, _column(field, sources), field or None, "invalid_field", message)


def _reads(node: Node) -> int:
    """How many columns a node reads (0 for constants)."""
    if isinstance(node, Column):
        return 1
    if isinstance(node, Table):
        return sum(_reads(c) for c in node.items.values())
    if isinstance(node, Array):
        return sum(_reads(c) for c in node.items)
    return 0


def _column(field: str, sources: dict[str, str]) -> str | None:
    """The column that fed ``field`` or the nearest table above it."""
    parts = field.split(".") if field else []
    while parts:
        found = sources.get(".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None


def _scalar(spec: Column, raw: Any, row: Row) -> Any:
    """An NDJSON value that is already JSON: money and instants still need converting."""
    if spec.kind in ("date", "datetime"):
        raise _not_text(spec, raw)
    if spec.kind == "money" and isinstance(raw, int | Decimal) and not isinstance(raw, bool):
        return _money(spec, Decimal(raw), *_currency(spec, row))
    if isinstance(raw, Decimal):
        raise CellError(spec.column, f"{raw}: a number with a fraction where {spec.kind} is asked")
    return raw


def _not_text(spec: Column, raw: Any) -> CellError:
    """A date or datetime that is a JSON number, true/false, list or object: refused at its
    cell, never interpreted: pydantic's own date types take 20261207 for seconds since 1970,
    and the mapping decides here, whatever field the column feeds."""
    if isinstance(raw, bool):
        what = f"{str(raw).lower()}: true/false"
    elif isinstance(raw, int | Decimal):
        what = f"{raw}: a number"
    else:
        what = "an array" if isinstance(raw, list) else "an object"
    written = f"format {spec.format!r}" if spec.format else "ISO 8601"
    return CellError(
        spec.column, f"{what} where a {spec.kind} is asked: write it as a JSON string ({written})"
    )


def _parse(spec: Column, text: str, row: Row, zone: dt.tzinfo) -> Any:
    if spec.kind == "str":
        return text
    if spec.kind == "int":
        if spec.thousands:  # in groups of three, as for money: "1.5" is not 15
            group = re.escape(spec.thousands)
            if not re.fullmatch(rf"[+-]?(?:[0-9]{{1,3}}(?:{group}[0-9]{{3}})+|[0-9]+)", text):
                raise ValueError(f"not a whole number with thousands {spec.thousands!r}")
            text = text.replace(spec.thousands, "")
        if not _INT.fullmatch(text):
            raise ValueError("not a whole number")
        return int(text)
    if spec.kind == "bool":
        folded = text.casefold()
        if folded in (t.casefold() for t in spec.true):
            return True
        if folded in (f.casefold() for f in spec.false):
            return False
        raise ValueError(f"not one of {', '.join(spec.true + spec.false)}")
    if spec.kind == "date":
        if spec.format:
            return dt.datetime.strptime(text, spec.format).date().isoformat()
        return dt.date.fromisoformat(text).isoformat()
    if spec.kind == "datetime":
        at = (
            dt.datetime.strptime(text, spec.format)
            if spec.format
            else dt.datetime.fromisoformat(text)
        )
        if at.tzinfo is None:
            at = at.replace(tzinfo=zone)  # the mapping's zone: the lender's local time
        return at.isoformat()
    # Digits, a sign, the declared decimal mark and thousands in groups of three, nothing
    # else: "1.500" where the mark is "," may be 1.5 or 1500, so it is refused, not guessed.
    mark, group = re.escape(spec.decimal), re.escape(spec.thousands)
    whole = rf"(?:\d{{1,3}}(?:{group}\d{{3}})+|\d+)" if spec.thousands else r"\d+"
    if not re.fullmatch(rf"[+-]?(?:{whole}(?:{mark}\d*)?|{mark}\d+)", text, re.ASCII):
        grouping = f" and thousands {spec.thousands!r}" if spec.thousands else ""
        raise ValueError(f"not a number with decimal mark {spec.decimal!r}{grouping}")
    amount = text.replace(spec.thousands, "") if spec.thousands else text
    amount = amount.replace(spec.decimal, ".")
    if spec.units == "minor" and not _INT.fullmatch(amount):
        raise ValueError("minor units are a whole number")
    return _money(spec, Decimal(amount), *_currency(spec, row))


def _currency(spec: Column, row: Row) -> tuple[str, str]:
    """The amount's currency code and the column to blame for it."""
    if not spec.currency_column:
        return spec.currency or "", spec.column
    currency = str(row.values.get(spec.currency_column) or "").strip().upper()
    if not currency:
        raise CellError(spec.currency_column, "empty: the currency column must be filled")
    return currency, spec.currency_column


def _money(spec: Column, amount: Decimal, currency: str, currency_column: str) -> dict[str, Any]:
    """Minor units by the currency's ISO 4217 digits (Babel's CLDR data): 12.50 MXN is
    1250, 1500 JPY is 1500; more decimals than the currency has is an error, not rounded."""
    if not amount.is_finite():
        raise CellError(spec.column, f"{amount}: not an amount")
    digits = 0
    if spec.units == "major":
        digits = get_currency_precision(currency) if currency else 2
    minor = amount.scaleb(digits, _EXACT)
    if not minor.is_finite() or (minor and minor.adjusted() >= _MINOR_DIGITS):
        raise CellError(spec.column, f"{amount}: too large an amount")
    if minor != minor.to_integral_value():
        if spec.units == "minor":  # a JSON number: text was checked already
            raise CellError(spec.column, f"{amount}: minor units are a whole number")
        raise CellError(
            spec.column, f"{amount}: more than {digits} decimal place(s) for {currency}"
        )
    return {"amount_minor": int(minor.to_integral_value()), "currency": currency}
