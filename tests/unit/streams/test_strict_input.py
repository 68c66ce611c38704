"""Strict input: the event contract refuses what cannot be right, naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import pytest
from pydantic import TypeAdapter, ValidationError

from recaudo.contracts.codec import encode
from recaudo.contracts.events import InputEvent
from recaudo.contracts.urgency import occurred_at_error
from recaudo.contracts.validators import skew_error
from recaudo.streams.event_ids import digest

ADAPTER: TypeAdapter[Any] = TypeAdapter(InputEvent)
NOW = dt.datetime(2025, 6, 10, 12, tzinfo=dt.UTC)


def account(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "account",
        "event_id": "e1",
        "tenant_id": "acme",
        "occurred_at": NOW.isoformat(),
        "debtor_id": "d1",
        "account_id": "a1",
        "balance": {"amount_minor": 50_000, "currency": "COP"},
        "amount_due": {"amount_minor": 10_000, "currency": "COP"},
        "due_date": "2025-06-01",
        "days_past_due": 9,
        "status": "delinquent",
        "product": "card",
        "jurisdiction": "CO",
        "timezone": "America/Bogota",
        "language": "es",
        "contact_points": [
            {"channel": "sms", "address": "300 123 4567", "consent": True},
            {"channel": "email", "address": "Ana@Example.COM", "consent": True},
        ],
    }
    return event | changes


def payment(amount: int, currency: str = "USD") -> dict[str, Any]:
    return {
        "type": "payment",
        "event_id": "p1",
        "tenant_id": "acme",
        "occurred_at": NOW.isoformat(),
        "debtor_id": "d1",
        "payment_id": "p1",
        "account_id": "a1",
        "amount": {"amount_minor": amount, "currency": currency},
        "method": "card",
        "paid_at": NOW.isoformat(),
    }


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        ADAPTER.validate_python(data)
    return str(info.value)


def test_phones_become_e164_in_the_jurisdictions_region_and_emails_are_normalised() -> None:
    event = ADAPTER.validate_python(account())
    assert [p.address for p in event.contact_points] == ["+573001234567", "Ana@example.com"]


@pytest.mark.parametrize(
    ("point", "field"),
    [
        ({"channel": "sms", "address": "12345", "consent": True}, "contact_points.0.address"),
        ({"channel": "voice", "address": "sms:x", "consent": True}, "contact_points.0.address"),
        ({"channel": "email", "address": "nobody@", "consent": True}, "contact_points.0.address"),
    ],
)
def test_invalid_addresses_are_refused_naming_the_field(point: dict[str, Any], field: str) -> None:
    assert field in refused(account(contact_points=[point]))


@pytest.mark.parametrize("amount", [0, -100])
def test_payment_of_zero_or_less_is_refused(amount: int) -> None:
    assert "amount" in refused(payment(amount))


def test_amounts_beyond_2_53_are_refused() -> None:
    assert "amount_minor" in refused(payment(2**53))
    assert ADAPTER.validate_python(payment(2**53 - 1))


def test_only_iso_4217_currencies() -> None:
    assert "ISO 4217" in refused(payment(100, "XYZ"))


def test_account_balance_and_due_share_a_currency() -> None:
    mixed = account(amount_due={"amount_minor": 10, "currency": "USD"})
    assert "amount_due.currency" in refused(mixed)
    assert "amount_due" in refused(account(amount_due={"amount_minor": -1, "currency": "COP"}))


def test_occurred_at_outside_the_configured_skew() -> None:
    future = NOW + dt.timedelta(minutes=10)
    assert skew_error(future, NOW, 300, 0) == "occurred_at: more than 300 s in the future"
    assert skew_error(future, NOW, 900, 0) is None
    old = NOW - dt.timedelta(days=40)
    assert skew_error(old, NOW, 300, 0) is None  # no age limit configured: backfills pass
    assert "in the past" in (skew_error(old, NOW, 300, 30 * 86400) or "")


def receipt(status: str, **changes: Any) -> dict[str, Any]:
    event = {
        "type": "delivery",
        "event_id": f"r-{status}",
        "tenant_id": "acme",
        "occurred_at": (NOW - dt.timedelta(days=3)).isoformat(),
        "debtor_id": "d1",
        "contact_id": "c1",
        "provider": "twilio",
        "channel": "sms",
        "status": status,
    }
    return event | changes


@pytest.mark.parametrize(
    ("raw", "refused"),
    [
        (receipt("delivered"), True),
        (receipt("failed"), True),
        (receipt("unsubscribed"), False),
        (receipt("complained"), False),
        (receipt("bounced", permanent=True), False),
        (account(occurred_at=(NOW - dt.timedelta(days=3)).isoformat()), True),
        (
            account(occurred_at=(NOW - dt.timedelta(days=3)).isoformat(), flags={"dispute": True}),
            False,
        ),
        (payment(100) | {"occurred_at": (NOW - dt.timedelta(days=3)).isoformat()}, False),
    ],
)
def test_the_age_limit_spares_what_stops_contact(raw: dict[str, Any], refused: bool) -> None:
    event = ADAPTER.validate_python(raw)
    why = occurred_at_error(event, NOW, 300, 86_400)
    assert (why is not None) == refused, why
    assert occurred_at_error(event, NOW, 300, 0) is None, "no age limit: backfills pass"


def test_the_content_digest_survives_the_trip_through_the_broker() -> None:
    """The HTTP intake claims an id with the digest the worker recomputes after
    decoding what the intake produced: they must agree, or every event conflicts."""
    for raw in (account(occurred_at="2025-06-10T14:00:00+02:00"), payment(100)):
        first = ADAPTER.validate_python(raw)
        again = ADAPTER.validate_python(orjson.loads(encode(first)))
        assert digest(first) == digest(again)
    changed = ADAPTER.validate_python(account(days_past_due=10))
    assert digest(changed) != digest(ADAPTER.validate_python(account()))


def point(**changes: Any) -> dict[str, Any]:
    return {"channel": "sms", "address": "300 123 4567", "consent": True} | changes


COP = "COP"
LOOSE = [
    ("days_past_due as a string", account(days_past_due="10"), "days_past_due"),
    ("days_past_due as a float", account(days_past_due=10.0), "days_past_due"),
    ("days_past_due 2^62", account(days_past_due=2**62), "days_past_due"),
    ("days_past_due past the bound", account(days_past_due=36_501), "days_past_due"),
    ("amount as a string", payment("100"), "amount.amount_minor"),  # type: ignore[arg-type]
    ("consent 'yes'", account(contact_points=[point(consent="yes")]), "consent"),
    ("consent 1", account(contact_points=[point(consent=1)]), "consent"),
    ("opted_out 'true'", account(contact_points=[point(opted_out="true")]), "opted_out"),
    ("a flag 'true'", account(flags={"dispute": "true"}), "flags.dispute"),
    ("occurred_at epoch", account(occurred_at=1749556800), "occurred_at"),
    ("occurred_at epoch string", account(occurred_at="1749556800"), "occurred_at"),
    ("occurred_at without offset", account(occurred_at="2025-06-10T12:00:00"), "occurred_at"),
    ("occurred_at with a space", account(occurred_at="2025-06-10 12:00:00Z"), "occurred_at"),
    ("paid_at epoch", payment(100) | {"paid_at": 1749556800}, "paid_at"),
    ("due_date 9999-12-31", account(due_date="9999-12-31"), "due_date"),
    ("due_date 1900-01-01", account(due_date="1900-01-01"), "due_date"),
    ("due_date as a number", account(due_date=20250601), "due_date"),
    ("due_date as a date-time", account(due_date="2025-06-01T00:00:00Z"), "due_date"),
    (
        "amount_due above the balance",
        account(amount_due={"amount_minor": 50_001, "currency": COP}),
        "amount_due",
    ),
    (
        "a negative balance",
        account(
            balance={"amount_minor": -1, "currency": COP},
            amount_due={"amount_minor": 0, "currency": COP},
        ),
        "balance",
    ),
    ("year 1, due_date cannot overflow", account(occurred_at="0001-01-01T00:00:00Z"), "due_date"),
]


@pytest.mark.parametrize(("data", "field"), [c[1:] for c in LOOSE], ids=[c[0] for c in LOOSE])
def test_loose_input_is_refused_naming_the_field(data: dict[str, Any], field: str) -> None:
    assert field in refused(data)


def test_the_bounds_themselves_are_accepted() -> None:
    assert ADAPTER.validate_python(account(days_past_due=36_500))
    assert ADAPTER.validate_python(account(due_date="2035-06-11"))  # 3,653 days ahead
    assert ADAPTER.validate_python(account(due_date="1925-07-05"))  # 36,500 days before
    assert "due_date" in refused(account(due_date="2035-06-12"))
    assert "due_date" in refused(account(due_date="1925-07-04"))
    even = account(amount_due={"amount_minor": 50_000, "currency": COP})
    assert ADAPTER.validate_python(even)
    settled = account(
        balance={"amount_minor": 0, "currency": COP},
        amount_due={"amount_minor": 0, "currency": COP},
        status="settled",
    )
    assert ADAPTER.validate_python(settled)
    assert ADAPTER.validate_python(account(occurred_at="2025-06-10T12:00:00.123456-05:00"))
