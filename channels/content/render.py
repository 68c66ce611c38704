"""Jinja2 in a sandbox, with Babel formatting in the debtor's locale.

Templates come from tenant policy files, so they run in
``SandboxedEnvironment`` (no attribute access to Python internals) with
``StrictUndefined``: a misspelt variable is an error at ``policy check``, never a
blank in a debtor's message. Money is integer minor units until the last step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, get_currency_precision
from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

__all__ = ["Amount", "TemplateError", "compile_template", "locale_for", "render"]


@dataclass(frozen=True, slots=True)
class Amount:
    """Money as the contract carries it: integer minor units and an ISO 4217 code."""

    minor: int
    currency: str


def locale_for(language: str, jurisdiction: str | None) -> str:
    """``es`` + ``CO`` -> ``es_CO``; an explicit ``pt-BR`` wins; unknown -> the language."""
    lang, _, region = language.partition("-")
    country = region or (jurisdiction or "").split("-")[0]
    for candidate in (f"{lang}_{country}" if country else "", lang):
        if not candidate:
            continue
        try:
            Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
        return candidate
    return "en"


def _cash_digits(currency: str) -> int:
    """CLDR cash digits: pesos (COP, CLP) are written without cents."""
    fractions = get_global("currency_fractions")
    entry = fractions.get(currency) or fractions["DEFAULT"]
    return int(entry[2])


@lru_cache(maxsize=256)
def _locale(name: str) -> Locale:
    return Locale.parse(name)


@lru_cache(maxsize=1024)
def _whole_pattern(locale: str) -> str:
    pattern = _locale(locale).currency_formats["standard"].pattern
    return str(pattern.split(";")[0].replace(".00", "").replace(",00", ""))


@lru_cache(maxsize=8192)
def money(value: Amount, locale: str) -> str:
    """``Amount(125000000, "COP")`` in es_CO -> ``$1.250.000``: cents only when non-zero
    or the currency is written with them (CLDR cash digits)."""
    digits = get_currency_precision(value.currency)
    amount = Decimal(value.minor).scaleb(-digits)
    whole = value.minor % (10**digits) == 0 if digits else True
    if whole and _cash_digits(value.currency) == 0:
        return format_currency(
            amount,
            value.currency,
            _whole_pattern(locale),
            locale=_locale(locale),
            currency_digits=False,
        )
    return format_currency(amount, value.currency, locale=_locale(locale))


@lru_cache(maxsize=8192)
def _date(value: dt.date, fmt: str, locale: str) -> str:
    # Pure and called several times a message (body, notices): worth remembering.
    return format_date(value, fmt, locale=_locale(locale))


@lru_cache(maxsize=256)
def _environment(locale: str, timezone: str, html: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=html, keep_trailing_newline=False
    )
    zone = ZoneInfo(timezone)

    def date(value: dt.date | dt.datetime, fmt: str = "long") -> str:
        if isinstance(value, dt.datetime):
            value = value.astimezone(zone).date()
        return _date(value, fmt, locale)

    def datetime(value: dt.datetime, fmt: str = "medium") -> str:
        return format_datetime(value, fmt, tzinfo=zone, locale=locale)

    def number(value: int | float | Decimal) -> str:
        return format_decimal(value, locale=locale)

    env.filters.update(
        money=lambda v: money(v, locale), date=date, datetime=datetime, number=number
    )
    return env


@lru_cache(maxsize=4096)
def compile_template(
    source: str, locale: str = "en", timezone: str = "UTC", html: bool = False
) -> Template:
    """Parse ``source`` (cached: compiling is most of a render's cost); raises
    ``jinja2.TemplateSyntaxError`` with its line number."""
    return _environment(locale, timezone, html).from_string(source)


def render(
    source: str, variables: dict[str, Any], locale: str, timezone: str, html: bool = False
) -> str:
    """Render one template text; raises ``jinja2.TemplateError`` (incl. undefined)."""
    return compile_template(source, locale, timezone, html).render(variables).strip()
