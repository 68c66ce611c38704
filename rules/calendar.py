"""Public holidays of a jurisdiction, from the ``holidays`` package, cached per year."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=256)
def _holidays(country: str, subdiv: str | None, year: int) -> frozenset[dt.date]:
    try:
        table = holidays.country_holidays(country, subdiv=subdiv, years=year)
    except NotImplementedError:
        # A subdivision the package does not know: its country's holidays still apply.
        table = holidays.country_holidays(country, years=year)
    return frozenset(table)


def is_holiday(country: str, subdiv: str | None, day: dt.date) -> bool:
    """True when ``day`` is a public holiday in ``country`` (and ``subdiv``)."""
    if not country:
        return False
    return day in _holidays(country, subdiv, day.year)
