"""The ground floor of every contract: identifiers, tenants, instants, dates, money,
and the legal flags.

Strict on the wire (``contracts.events`` says how): each type here validates one
field the same way in input events, outputs and the rules' edge records.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    field_validator,
)

from recaudo.contracts.validators import iso_4217, iso_date, rfc3339, safe_minor_units

Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@/-]+$")]
TenantId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Currency = Annotated[
    str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code"), AfterValidator(iso_4217)
]
Jurisdiction = Annotated[
    str,
    Field(
        pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3}(-[A-Z]{3})?)?$",
        description="ISO 3166-1 alpha-2, with an ISO 3166-2 subdivision where the law "
        "differs, and a city of that subdivision with rules of its own (US-NY-NYC)",
    ),
]


def lineage(jurisdiction: str) -> tuple[str, ...]:
    """The code and those it lies in, most specific first: ``US-NY-NYC``, ``US-NY``,
    ``US``. Whatever a city or a state has no entry for, the next one up answers."""
    parts = jurisdiction.split("-")
    return tuple("-".join(parts[:n]) for n in range(len(parts), 0, -1))


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {name!r}") from exc
    return name


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]
#: An instant: an RFC 3339 string with its offset on the wire.
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(rfc3339),
    Field(description="RFC 3339 date-time with an offset (e.g. 2026-03-02T15:04:05Z)"),
]
#: A calendar date: ``YYYY-MM-DD`` on the wire.
Day = Annotated[dt.date, BeforeValidator(iso_date), Field(description="YYYY-MM-DD")]


class LegalFlag(StrEnum):
    """An account flag that stops every collection contact, each with its own rule
    (``suppress.<flag>``). The one list: the events' ``AccountFlags`` and
    ``FlagDates``, the rules' proposal flags and every profile's suppressions name
    each member; the debtor's state stores their values."""

    DISPUTE = "dispute"
    BANKRUPTCY = "bankruptcy"
    DECEASED = "deceased"
    CEASE_AND_DESIST = "cease_and_desist"
    LEGAL_HOLD = "legal_hold"


class Contract(BaseModel):
    """Strict base: unknown fields are an error, instances are immutable."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Money(Contract):
    amount_minor: StrictInt = Field(description="Integer minor units (cents); never a float")
    currency: Currency

    @field_validator("amount_minor")
    @classmethod
    def check_amount_minor(cls, value: int) -> int:
        return safe_minor_units(value)
