"""The validation notice a debt collector provided, and the period it opens.

Plain data with no dependency on the proposal (``rules.base`` carries one), so
it lives on its own: ``rules.validation_period`` holds what the period means
for a contact (the pause after a dispute, overshadowing wording) and re-exports
these names.

12 CFR 1006.34(b)(5) (read as quoted by secondary sources, not in the eCFR):
the validation period ends 30 days after the consumer receives the validation
information, and the collector may assume receipt on any date at least five
days after providing it, excluding Saturdays, Sundays and the legal public
holidays of 5 U.S.C. 6103(a). 12 CFR 1006.42: an electronic notice is delivered
as E-SIGN requires; we count one only with the consumer's E-SIGN consent
recorded (policy: 1006.42 also describes other procedures we did not read).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import holidays
from pydantic import ConfigDict

Method = Literal["mail", "in_person", "email", "sms", "website"]
ELECTRONIC: frozenset[str] = frozenset({"email", "sms", "website"})

#: Days after providing the notice the consumer is assumed to have it (business days).
ASSUMED_RECEIPT_DAYS = 5
#: Days after receipt the period runs (15 U.S.C. 1692g(a)(3)).
PERIOD_DAYS = 30


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[dt.date]:
    """5 U.S.C. 6103(a)'s holidays of ``year``, with the days they are observed on:
    a day either way is excluded (policy: the later end date protects the consumer)."""
    return frozenset(holidays.US(years=year, observed=True))


def business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def assumed_receipt(provided_on: dt.date) -> dt.date:
    """The fifth day after ``provided_on`` that is not a Saturday, Sunday or holiday."""
    day, counted = provided_on, 0
    while counted < ASSUMED_RECEIPT_DAYS:
        day += dt.timedelta(days=1)
        counted += business_day(day)
    return day


@dataclass(frozen=True, slots=True)
class ValidationNotice:
    """The lender's record of the validation notice it (or its collector) provided."""

    # Read strictly where a proposal is parsed (``recaudo check-contact``).
    __pydantic_config__ = ConfigDict(extra="forbid")

    provided_on: dt.date
    method: Method
    esign_consent: bool = False
    received_on: dt.date | None = None  # proof of receipt, when there is some

    def __post_init__(self) -> None:
        if self.received_on is not None and self.received_on < self.provided_on:
            raise ValueError("received_on is before provided_on")

    @property
    def counts(self) -> bool:
        """Whether this notice starts a validation period (an electronic one needs consent)."""
        return self.method not in ELECTRONIC or self.esign_consent

    @property
    def receipt(self) -> dt.date:
        """The day the consumer received it: proven, else assumed."""
        return self.received_on or assumed_receipt(self.provided_on)

    @property
    def period_end(self) -> dt.date:
        """The last day of the validation period (the date the notice states)."""
        return self.receipt + dt.timedelta(days=PERIOD_DAYS)

    def within(self, day: dt.date) -> bool:
        return self.counts and self.provided_on <= day <= self.period_end
