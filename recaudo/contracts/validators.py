"""Strict checks on input events, shared by the HTTP intake and the topic path.

Every check raises ``ValueError`` with a message naming the field, so the
intake answers 400 (and the worker dead-letters) saying what to fix. Libraries
do the judging: ``phonenumbers`` (E.164 in the jurisdiction's default
region), ``email-validator`` and ``pycountry``'s ISO 4217 list.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

if TYPE_CHECKING:
    from recaudo.contracts.events import Money

#: Amounts beyond this are not exact in a JSON number read as a double.
MAX_SAFE_MINOR = 2**53 - 1
PHONE_CHANNELS = frozenset({"sms", "whatsapp", "voice"})
#: 100 years: no account is that late, and any date arithmetic on it stays in range.
MAX_DAYS_PAST_DUE = 36_500
#: An account's due date lies at most this far before its snapshot's occurred_at
#: (as late as an account can be) and at most this far after it (ten years ahead).
DUE_DATE_PAST = dt.timedelta(days=MAX_DAYS_PAST_DUE)
DUE_DATE_AHEAD = dt.timedelta(days=3_653)
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def rfc3339(value: Any) -> Any:
    """An instant on the wire is an RFC 3339 string with its offset, nothing else:
    no epoch numbers, no numeric strings, no offset-less or space-separated forms.
    (A ``datetime`` passes: events built in process.)"""
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _RFC3339.fullmatch(value)):
        return value
    raise ValueError(
        "must be an RFC 3339 date-time string with an offset, e.g. 2026-03-02T15:04:05Z"
    )


def iso_date(value: Any) -> Any:
    """A calendar date on the wire is ``YYYY-MM-DD``, never a number or a date-time."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("must be a date string YYYY-MM-DD")


def due_date_error(due: dt.date, occurred_at: dt.datetime) -> str | None:
    """Why ``due`` is outside the window around the snapshot's own date, or None."""
    offset = due - occurred_at.date()  # a difference, so year 1 or 9999 cannot overflow
    if not -DUE_DATE_PAST <= offset <= DUE_DATE_AHEAD:
        return (
            f"due_date: must be within {DUE_DATE_PAST.days} days before and "
            f"{DUE_DATE_AHEAD.days} days after occurred_at's date"
        )
    return None


def flag_date_error(
    flags: dict[str, bool], dates: dict[str, dt.date | None], local_date: dt.date
) -> str | None:
    """Why an effective date cannot stand: its flag is not set, or it is later than
    the snapshot's own (local) date — a flag reported is already in effect."""
    for name, date in dates.items():
        if date is None:
            continue
        if not flags.get(name):
            return f"flag_dates.{name}: given while flags.{name} is false"
        if date > local_date:
            return (
                f"flag_dates.{name}: {date.isoformat()} is after occurred_at's date "
                f"({local_date.isoformat()} where the debtor lives)"
            )
    return None


def validation_dates_error(
    provided: dt.date, received: dt.date | None, verified: dt.date | None, occurred_at: dt.datetime
) -> str | None:
    """Why a validation notice's dates cannot stand: one is later than the event
    (a day's slack for the debtor's zone), or before the notice was provided."""
    latest = occurred_at.date() + dt.timedelta(days=1)
    dates = {"provided_on": provided, "received_on": received, "verification_sent_on": verified}
    for name, date in dates.items():
        if date is None:
            continue
        if date > latest:
            return f"{name}: {date.isoformat()} is after occurred_at's date"
        if date < provided:
            return f"{name}: {date.isoformat()} is before provided_on ({provided.isoformat()})"
    return None


def iso_4217(code: str) -> str:
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return code


def safe_minor_units(value: int) -> int:
    if abs(value) > MAX_SAFE_MINOR:
        raise ValueError(f"must be within +/-{MAX_SAFE_MINOR} (2^53 - 1)")
    return value


def positive_money(value: Money, *, allow_zero: bool) -> Money:
    if value.amount_minor < 0 or (value.amount_minor == 0 and not allow_zero):
        floor = "zero or more" if allow_zero else "more than zero"
        raise ValueError(f"amount_minor must be {floor}")
    return value


def same_currency(first: Money, second: Money, where: str) -> None:
    if first.currency != second.currency:
        raise ValueError(f"{where}: {second.currency} differs from {first.currency}")


# Pure and costly (libphonenumber's metadata, e-mail syntax rules), and a
# debtor's daily account snapshot repeats the same addresses: remembered.
@lru_cache(maxsize=32768)
def phone_e164(address: str, region: str) -> str:
    """The number in E.164, read with ``region`` as the default; ValueError if invalid."""
    try:
        number = phonenumbers.parse(address.removeprefix("whatsapp:"), region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid phone number for region {region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=32768)
def email_address(address: str) -> str:
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid e-mail address: {exc}") from exc


def normalise_contact_points(data: Any) -> Any:
    """Rewrite an account's raw contact points (its own and its estate
    representative's) with normalised, validated addresses."""
    if not isinstance(data, dict):
        return data
    jurisdiction = data.get("jurisdiction")
    if not isinstance(jurisdiction, str):
        return data
    region = jurisdiction.split("-")[0].upper()
    out = dict(data)
    if "contact_points" in data:
        out["contact_points"] = _normalised(data["contact_points"], region, "")
    representative = data.get("estate_representative")
    if isinstance(representative, dict):
        where = "estate_representative."
        points = _normalised(representative.get("contact_points"), region, where)
        out["estate_representative"] = {**representative, "contact_points": points}
    return out


def _normalised(points: Any, region: str, where: str) -> Any:
    if not isinstance(points, list | tuple):
        return points
    out: list[Any] = []
    for i, point in enumerate(points):
        raw = point.model_dump() if hasattr(point, "model_dump") else point
        if not isinstance(raw, dict) or not isinstance(raw.get("address"), str):
            out.append(point)
            continue
        channel = str(raw.get("channel", ""))
        try:
            if channel in PHONE_CHANNELS:
                address = phone_e164(raw["address"], region)
            elif channel == "email":
                address = email_address(raw["address"])
            else:
                address = raw["address"]
        except ValueError as exc:
            raise ValueError(f"{where}contact_points.{i}.address: {exc}") from exc
        out.append({**raw, "address": address})
    return out


def skew_error(
    occurred_at: dt.datetime, now: dt.datetime, future_s: float, max_age_s: float
) -> str | None:
    """Why ``occurred_at`` is outside the accepted skew, or None (``max_age_s`` 0: no limit)."""
    if occurred_at - now > dt.timedelta(seconds=future_s):
        return f"occurred_at: more than {future_s:g} s in the future"
    if max_age_s > 0 and now - occurred_at > dt.timedelta(seconds=max_age_s):
        return f"occurred_at: more than {max_age_s:g} s in the past"
    return None
