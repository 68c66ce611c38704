"""Mapping and conversion: money by each currency's digits, dates in the mapping's zone,
and every bad cell reported against its line and column."""

from __future__ import annotations

import codecs
import io
import tomllib
from pathlib import Path
from typing import Any

import orjson
import pytest

from recaudo.contracts.events import AccountEvent, Event, PaymentEvent
from recaudo.foundation.errors import MappingError
from recaudo.imports import Converter, Problem, load_mapping, parse_mapping, read_rows
from recaudo.imports import mapping as mapping_module
from recaudo.imports.reader import HashingStream

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "imports"
HEADER = "pid,cid,aid,amount,ccy,at"


def payment_mapping(amount: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "timezone": "America/Bogota",
        "event_id": {"columns": ["pid"]},
        "fields": {
            "type": "payment",
            "tenant_id": "acme",
            "occurred_at": {"column": "at", "as": "datetime"},
            "paid_at": {"column": "at", "as": "datetime"},
            "debtor_id": {"column": "cid"},
            "account_id": {"column": "aid"},
            "payment_id": {"column": "pid"},
            "amount": amount,
            "method": "cash",
        },
        **extra,
    }


def convert(mapping: dict[str, Any], csv: str) -> list[tuple[Event | None, list[Problem]]]:
    parsed = parse_mapping(orjson.dumps(mapping))
    converter = Converter(parsed)
    stream = HashingStream(io.BytesIO(csv.encode()))
    return [converter.convert(row) for row in read_rows(stream, parsed)]


def amount_of(mapping: dict[str, Any], cell: str, ccy: str = "MXN") -> int:
    cell = f'"{cell}"' if "," in cell else cell
    [(event, problems)] = convert(mapping, f"{HEADER}\np1,d1,a1,{cell},{ccy},2026-11-30 10:00\n")
    assert problems == []
    assert isinstance(event, PaymentEvent)
    return event.amount.amount_minor


MAJOR = {"column": "amount", "as": "money", "units": "major", "currency_column": "ccy"}


@pytest.mark.parametrize(
    ("cell", "currency", "minor"),
    [
        ("12500.50", "MXN", 1250050),
        ("800", "MXN", 80000),
        ("35000.5", "COP", 3500050),
        ("10.05", "BRL", 1005),
        ("0.01", "USD", 1),
        ("1500", "JPY", 1500),
        ("1500", "CLP", 1500),
    ],
)
def test_major_units_follow_the_currency_digits(cell: str, currency: str, minor: int) -> None:
    assert amount_of(payment_mapping(MAJOR), cell, currency) == minor


def test_separators_of_the_lender_locale() -> None:
    brazilian = {**MAJOR, "decimal": ",", "thousands": "."}
    assert amount_of(payment_mapping(brazilian), "1.234,56", "BRL") == 123456
    american = {**MAJOR, "thousands": ","}
    assert amount_of(payment_mapping(american), "1,234.56", "USD") == 123456


def test_minor_units_are_taken_as_they_are() -> None:
    minor = {"column": "amount", "as": "money", "units": "minor", "currency": "COP"}
    assert amount_of(payment_mapping(minor), "3500050", "ignored") == 3500050


@pytest.mark.parametrize(
    ("units", "cell", "currency", "says"),
    [
        ("major", "1500.5", "JPY", "more than 0 decimal place(s) for JPY"),
        ("major", "10.005", "MXN", "more than 2 decimal place(s) for MXN"),
        ("minor", "12.50", "USD", "minor units are a whole number"),
        ("major", "twelve", "USD", "'twelve'"),
    ],
)
def test_amounts_that_do_not_fit_name_the_column(
    units: str, cell: str, currency: str, says: str
) -> None:
    spec = {**MAJOR, "units": units}
    [(event, [problem])] = convert(
        payment_mapping(spec), f"{HEADER}\np1,d1,a1,{cell},{currency},2026-11-30 10:00\n"
    )
    assert event is None
    assert (problem.line, problem.column, problem.field) == (2, "amount", "amount")
    assert says in problem.message


def test_an_unknown_currency_names_the_currency_column() -> None:
    [(event, problems)] = convert(
        payment_mapping(MAJOR), f"{HEADER}\np1,d1,a1,10,ZZZ,2026-11-30 10:00\n"
    )
    assert event is None
    assert [(p.column, p.field) for p in problems] == [("ccy", "amount.currency")]


def test_datetimes_without_offset_are_in_the_mapping_zone() -> None:
    rows = convert(
        payment_mapping(MAJOR),
        f"{HEADER}\np1,d1,a1,10,USD,2026-11-30 10:00\np2,d1,a1,10,USD,2026-11-30T10:00:00+00:00\n",
    )
    bogota, utc = (e for e, _ in rows)
    assert isinstance(bogota, PaymentEvent)
    assert isinstance(utc, PaymentEvent)
    assert bogota.occurred_at.isoformat() == "2026-11-30T10:00:00-05:00"
    assert utc.occurred_at.isoformat() == "2026-11-30T10:00:00+00:00"


def test_a_bad_date_names_its_column_and_line() -> None:
    mapping = payment_mapping(MAJOR)
    for name in ("occurred_at", "paid_at"):
        mapping["fields"][name]["format"] = "%d/%m/%Y %H:%M"
    rows = convert(mapping, f"{HEADER}\np1,d1,a1,10,USD,30/11/2026 10:00\np2,d1,a1,10,USD,2026\n")
    assert rows[0][1] == []
    [problem] = rows[1][1]
    assert (problem.line, problem.column, problem.code) == (3, "at", "invalid_cell")


def test_event_ids_are_deterministic_and_follow_the_chosen_columns() -> None:
    csv = f"{HEADER}\np1,d1,a1,10,USD,2026-11-30 10:00\np1,d1,a1,10,USD,2026-11-30 10:00\n"
    csv += "p2,d1,a1,10,USD,2026-11-30 10:00\n"
    ids = [e.event_id for e, _ in convert(payment_mapping(MAJOR), csv) if e]
    assert ids[0] == ids[1] != ids[2]
    assert ids[0].startswith("imp:")
    assert len(ids[0]) == 36
    again = [e.event_id for e, _ in convert(payment_mapping(MAJOR), csv) if e]
    assert again == ids


def account_rows(csv_rows: list[str]) -> list[tuple[Event | None, list[Problem]]]:
    mapping = load_mapping(EXAMPLES / "accounts.toml")
    header = (EXAMPLES / "accounts.csv").read_text().splitlines()[0]
    converter = Converter(mapping)
    stream = HashingStream(io.BytesIO("\n".join([header, *csv_rows]).encode()))
    return [converter.convert(row) for row in read_rows(stream, mapping)]


GOOD = "L-1,C-1,30/11/2026,MXN,100.00,50.00,15/11/2026,15,MORA,Ana,+525512345678,si,,,no"


def test_the_example_mapping_builds_its_example_file() -> None:
    mapping = load_mapping(EXAMPLES / "accounts.toml")
    converter = Converter(mapping)
    with (EXAMPLES / "accounts.csv").open("rb") as f:
        events = [converter.convert(row) for row in read_rows(HashingStream(f), mapping)]
    assert [p for _, p in events] == [[], []]
    first = events[0][0]
    assert isinstance(first, AccountEvent)
    assert first.amount_due.amount_minor == 250000
    assert first.status == "delinquent"
    assert [c.channel for c in first.contact_points] == ["sms", "email"]
    second = events[1][0]
    assert isinstance(second, AccountEvent)
    assert [c.channel for c in second.contact_points] == ["sms"]  # empty e-mail: no point


@pytest.mark.parametrize(
    ("row", "column", "field"),
    [
        (GOOD.replace(",15,MORA", ",quince,MORA"), "dpd", "days_past_due"),
        (GOOD.replace("MORA", "PERDIDO"), "status", "status"),
        (GOOD.replace("100.00,50.00", "100.00,150.00"), "amount_due", "amount_due.amount_minor"),
        (GOOD.replace("C-1,", ","), "customer_id", "debtor_id"),
        (GOOD.replace("+525512345678", "not-a-phone"), "mobile", "contact_points.0.address"),
        (GOOD.replace(",si,", ",maybe,"), "sms_ok", "contact_points.0.consent"),
        (GOOD.replace("30/11/2026", "2026-11-30"), "as_of", "occurred_at"),
    ],
)
def test_bad_rows_name_the_column(row: str, column: str, field: str) -> None:
    [ok, (event, problems)] = account_rows([GOOD, row])
    assert ok[1] == []
    assert event is None
    assert [(p.line, p.column) for p in problems][:1] == [(3, column)], problems
    assert problems[0].field is None or problems[0].field.startswith(field.split(".")[0])


def test_a_line_with_the_wrong_field_count_is_reported() -> None:
    [(event, [problem])] = account_rows(["L-1,C-1,only-three"])
    assert event is None
    assert problem.code == "unreadable_line"
    assert problem.line == 2


def test_ndjson_money_is_decimal_never_float() -> None:
    mapping = payment_mapping(
        {"column": "amount", "as": "money", "units": "major", "currency": "USD"}, format="ndjson"
    )
    line = b'{"pid":"p1","cid":"d1","aid":"a1","amount":0.29,"at":"2026-11-30T10:00:00Z"}\n'
    parsed = parse_mapping(orjson.dumps(mapping))
    [row] = read_rows(HashingStream(io.BytesIO(line)), parsed)
    event, problems = Converter(parsed).convert(row)
    assert problems == []
    assert isinstance(event, PaymentEvent)
    assert event.amount.amount_minor == 29  # 0.29 * 100 is 28.999999999999996 in floats


@pytest.mark.parametrize(
    ("cell", "currency", "minor"),
    [("1000", "MXN", 100000), ("1500", "JPY", 1500), ("0.29", "USD", 29)],
)
def test_ndjson_numbers_take_the_currency_column_and_its_digits(
    cell: str, currency: str, minor: int
) -> None:
    """Once refused: a JSON number's currency was the mapping's ``currency``, here unset."""
    mapping = parse_mapping(orjson.dumps(payment_mapping(MAJOR, format="ndjson")))
    line = f'{{"pid":"p1","cid":"d1","aid":"a1","amount":{cell},"ccy":"{currency}",'
    line += '"at":"2026-11-30T10:00:00Z"}\n'
    [row] = read_rows(HashingStream(io.BytesIO(line.encode())), mapping)
    event, problems = Converter(mapping).convert(row)
    assert problems == []
    assert isinstance(event, PaymentEvent)
    assert (event.amount.amount_minor, event.amount.currency) == (minor, currency)


def test_a_json_number_with_a_fraction_is_not_minor_units() -> None:
    """Once truncated: 12.5 minor units became 12."""
    minor = {"column": "amount", "as": "money", "units": "minor", "currency": "USD"}
    mapping = parse_mapping(orjson.dumps(payment_mapping(minor, format="ndjson")))
    line = b'{"pid":"p1","cid":"d1","aid":"a1","amount":12.5,"at":"2026-11-30T10:00:00Z"}\n'
    [row] = read_rows(HashingStream(io.BytesIO(line)), mapping)
    event, [problem] = Converter(mapping).convert(row)
    assert event is None
    assert "minor units are a whole number" in problem.message


@pytest.mark.parametrize(
    ("spec", "cell"),
    [
        ({"decimal": ","}, "1.500"),  # 1.5 or 1500? Once read as 1.50.
        ({"decimal": ","}, "1.234,56"),
        ({}, "1,500"),
        ({"decimal": ",", "thousands": "."}, "1,500.00"),
        ({}, "twelve"),
        ({}, "1e3"),
    ],
)
def test_an_amount_not_in_the_mapping_format_is_refused_saying_so(
    spec: dict[str, str], cell: str
) -> None:
    cell = f'"{cell}"' if "," in cell else cell
    [(event, [problem])] = convert(
        payment_mapping({**MAJOR, **spec}), f"{HEADER}\np1,d1,a1,{cell},USD,2026-11-30 10:00\n"
    )
    assert event is None
    assert (problem.column, problem.code) == ("amount", "invalid_cell")
    assert f"not a number with decimal mark {spec.get('decimal', '.')!r}" in problem.message
    assert "ConversionSyntax" not in problem.message


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"fields": {"type": "payment", "tenant_id": {"column": "t"}}}, "tenant_id must be"),
        ({"fields": {"type": "loan", "tenant_id": "acme"}}, "not an event type"),
        ({"timezone": "Mars/Olympus", "fields": {"tenant_id": "acme"}}, "time zone"),
        ({"fields": {"tenant_id": "acme", "x": {"column": "a", "as": "float"}}}, "fields.x"),
        ({"fields": {"tenant_id": "acme", "x": {"column": "a", "as": "money"}}}, "currency"),
        # Once a LookupError from the reader: a 500, a CLI traceback.
        ({"encoding": "nope", "fields": {"tenant_id": "acme"}}, "encoding: .*'nope'"),
        ({"encoding": "hex", "fields": {"tenant_id": "acme"}}, "encoding: .*not a text encoding"),
    ],
)
def test_a_bad_mapping_is_refused_with_the_reason(change: dict[str, Any], says: str) -> None:
    with pytest.raises(MappingError, match=says):
        parse_mapping(orjson.dumps(change))


def test_a_toml_integer_beyond_64_bits_is_refused_naming_its_key() -> None:
    """TOML reads any integer; orjson writes none past 64 bits (once a TypeError, a 500)."""
    toml = b'[fields]\ntenant_id = "acme"\ntype = "account"\nproduct = 1180591620717411303424\n'
    with pytest.raises(MappingError, match=r"fields\.product: the integer .* beyond 64 bits"):
        parse_mapping(toml)


def test_a_header_without_a_mapped_column_is_refused_before_any_row() -> None:
    parsed = parse_mapping(orjson.dumps(payment_mapping(MAJOR)))
    stream = HashingStream(io.BytesIO(b"pid,cid\np1,d1\n"))
    with pytest.raises(MappingError, match="lacks the mapped column"):
        list(read_rows(stream, parsed))


def test_toml_and_json_mappings_are_the_same_mapping() -> None:
    toml = (EXAMPLES / "payments.toml").read_bytes()
    assert parse_mapping(toml).spec.event_id.column == "txn_id"


@pytest.mark.parametrize(
    "cell", ["\uff11\uff12", "\u0663", "12.\uff150", "\uff11,\uff12\uff10\uff10"]
)
@pytest.mark.parametrize("units", ["major", "minor"])
def test_digits_other_than_ascii_are_not_an_amount(cell: str, units: str) -> None:
    """Once full-width "\\uff11\\uff12" was 12 and Arabic-Indic "\\u0663" was 3: ``\\d``
    and Decimal take any Unicode digit."""
    spec = {**MAJOR, "units": units, "thousands": ","}
    cell = f'"{cell}"' if "," in cell else cell
    [(event, [problem])] = convert(
        payment_mapping(spec), f"{HEADER}\np1,d1,a1,{cell},USD,2026-11-30 10:00\n"
    )
    assert event is None
    assert (problem.column, problem.code) == ("amount", "invalid_cell")


@pytest.mark.parametrize(
    ("cell", "says"),
    [
        # Once rounded to 28 digits, so 100: accepted.
        ("1.0000000000000000000000000000001", "more than 2 decimal place(s) for USD"),
        ("1" + "0" * 40, "too large an amount"),
    ],
)
def test_an_amount_is_never_rounded_to_fit(cell: str, says: str) -> None:
    [(event, [problem])] = convert(
        payment_mapping(MAJOR), f"{HEADER}\np1,d1,a1,{cell},USD,2026-11-30 10:00\n"
    )
    assert event is None
    assert (problem.column, problem.code) == ("amount", "invalid_cell")
    assert says in problem.message


@pytest.mark.parametrize(
    ("units", "cell", "says"),
    [
        ("major", "1e999999999", "too large an amount"),  # once decimal.Overflow: a 500
        ("minor", "1e999999999", "too large an amount"),  # once int() of a 10^999999999
        ("major", "1e-999999999", "more than 2 decimal place(s)"),  # once 0, accepted
        ("major", "1.0000000000000000000000000000001", "more than 2 decimal place(s)"),
    ],
)
def test_ndjson_numbers_beyond_28_digits_are_not_rounded(units: str, cell: str, says: str) -> None:
    mapping = parse_mapping(
        orjson.dumps(payment_mapping({**MAJOR, "units": units}, format="ndjson"))
    )
    line = f'{{"pid":"p1","cid":"d1","aid":"a1","amount":{cell},"ccy":"USD",'
    line += '"at":"2026-11-30T10:00:00Z"}\n'
    [row] = read_rows(HashingStream(io.BytesIO(line.encode())), mapping)
    event, [problem] = Converter(mapping).convert(row)
    assert event is None
    assert (problem.column, problem.code) == ("amount", "invalid_cell")
    assert says in problem.message


def test_ascii_whole_numbers_only() -> None:
    """``as = "int"`` too: int("\\uff11\\uff12") is 12."""
    amount = {"amount_minor": {"column": "amount", "as": "int"}, "currency": "USD"}
    rows = convert(
        payment_mapping(amount),
        f"{HEADER}\np1,d1,a1,\uff11\uff12,USD,2026-11-30 10:00\np2,d1,a1,12,USD,2026-11-30 10:00\n",
    )
    [(event, problems), (ok, _)] = rows
    assert event is None
    assert [(p.column, p.code, p.message) for p in problems] == [
        ("amount", "invalid_cell", "'\uff11\uff12': not a whole number")
    ]
    assert isinstance(ok, PaymentEvent)
    assert ok.amount.amount_minor == 12


@pytest.mark.parametrize("mark", [".", ","])
def test_one_mark_for_decimals_and_thousands_is_refused(mark: str) -> None:
    """Once "1.5" read as 15.00: the thousands mark was dropped, then the decimal one."""
    with pytest.raises(MappingError, match="decimal and thousands are both"):
        parse_mapping(orjson.dumps(payment_mapping({**MAJOR, "decimal": mark, "thousands": mark})))


def test_a_whole_number_with_thousands_marks_is_in_groups_of_three() -> None:
    """Once "1.5" read as 15 where thousands are ".": the mark was dropped wherever it stood."""
    amount = {
        "amount_minor": {"column": "amount", "as": "int", "thousands": "."},
        "currency": "USD",
    }
    body = "".join(
        f"p{n},d1,a1,{cell},USD,2026-11-30 10:00\n" for n, cell in enumerate(["1.5", "1.500"])
    )
    [(bad, problems), (ok, _)] = convert(payment_mapping(amount), f"{HEADER}\n{body}")
    assert bad is None
    assert [(p.column, p.message) for p in problems] == [
        ("amount", "'1.5': not a whole number with thousands '.'")
    ]
    assert isinstance(ok, PaymentEvent)
    assert ok.amount.amount_minor == 1500


def ndjson_accounts(lines: list[dict[str, Any]]) -> list[tuple[Event | None, list[Problem]]]:
    """The example accounts mapping over NDJSON, its dates and datetimes in ISO 8601."""
    spec = tomllib.loads((EXAMPLES / "accounts.toml").read_text())
    spec["format"] = "ndjson"
    for name in ("occurred_at", "due_date"):
        del spec["fields"][name]["format"]
    mapping = parse_mapping(orjson.dumps(spec))
    data = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    stream = HashingStream(io.BytesIO(data))
    return [Converter(mapping).convert(row) for row in read_rows(stream, mapping)]


ACCOUNT = {
    "loan_id": "L-1",
    "customer_id": "C-1",
    "as_of": "2026-11-30",
    "currency": "MXN",
    "balance": "100.00",
    "amount_due": "50.00",
    "due_date": "2026-12-07",
    "dpd": "15",
    "status": "MORA",
    "name": "Ana",
    "mobile": "+525512345678",
    "sms_ok": "si",
    "email": "",
    "email_ok": "",
    "disputed": "no",
}


@pytest.mark.parametrize(("column", "kind"), [("due_date", "date"), ("as_of", "datetime")])
@pytest.mark.parametrize(
    ("value", "says"),
    [
        (20261207, "20261207: a number"),  # once a day of 1970, read as seconds
        (1796032800, "1796032800: a number"),
        (2026.12, "2026.12: a number"),
        (0, "0: a number"),
        (True, "true: true/false"),
        (False, "false: true/false"),
        (["2026-12-07"], "an array"),
    ],
)
def test_a_date_as_a_json_number_costs_its_row_naming_the_column(
    column: str, kind: str, value: Any, says: str
) -> None:
    """A date or datetime in NDJSON is text: a JSON number (or true/false) is refused at
    its cell, never read as a Unix timestamp, and strings are read as in a CSV."""
    [(ok, no_problems), (event, problems)] = ndjson_accounts(
        [ACCOUNT, {**ACCOUNT, "loan_id": "L-2", column: value}]
    )
    assert isinstance(ok, AccountEvent), no_problems
    assert (ok.occurred_at.isoformat(), ok.due_date.isoformat()) == (
        "2026-11-30T00:00:00-06:00",
        "2026-12-07",
    )
    assert event is None
    [problem] = problems
    assert (problem.line, problem.column, problem.code) == (2, column, "invalid_cell")
    assert problem.message.startswith(f"{says} where a {kind} is asked: ")
    assert "JSON string" in problem.message


@pytest.mark.parametrize(
    "encoding",
    [
        "utf-7",  # stateful: "+" opens base64 that decodes bytes to text across lines
        "unicode_escape",
        "raw_unicode_escape",
        "idna",
        "punycode",
        "undefined",
        "charmap",
        "iso2022_jp",  # escape sequences shift a state the next line inherits
        "iso2022_kr",
        "hz",
        "hex",
        "base64",
        "rot13",
        "zlib",
    ],
)
def test_a_codec_that_is_not_a_line_safe_text_encoding_is_refused(encoding: str) -> None:
    """Once accepted: their decode errors gave only approximate line numbers."""
    with pytest.raises(MappingError, match=rf"^mapping: encoding: .*'{encoding}'"):
        parse_mapping(orjson.dumps({"encoding": encoding, "fields": {"tenant_id": "acme"}}))


@pytest.mark.parametrize(
    "encoding",
    [
        "utf-8",
        "UTF8",
        "utf-8-sig",
        "utf-16",
        "utf-16-le",
        "UTF-16BE",
        "utf-32",
        "ascii",
        "latin-1",
        "iso-8859-15",
        "cp1252",
        "windows-1250",
        "cp850",
        "koi8-r",
        "mac_roman",
        "shift_jis",
        "cp932",
        "euc-jp",
        "euc-kr",
        "gb18030",
        "gbk",
        "big5",
    ],
)
def test_line_safe_text_encodings_are_taken(encoding: str) -> None:
    mapping = parse_mapping(orjson.dumps({"encoding": encoding, "fields": {"tenant_id": "acme"}}))
    assert mapping.spec.encoding == encoding


def test_the_listed_encodings_are_spelled_as_python_names_them() -> None:
    """A listed name Python spells otherwise would refuse its encoding without a word."""
    assert {codecs.lookup(name).name for name in mapping_module._LINE_SAFE} == set(
        mapping_module._LINE_SAFE
    )
