"""Rendering: Babel output per locale, the debtor's time zone, the sandbox."""

from __future__ import annotations

import datetime as dt

import pytest
from jinja2 import TemplateError
from jinja2.exceptions import SecurityError, UndefinedError

from recaudo.channels.content.render import Amount, locale_for, render

DUE = dt.date(2026, 3, 5)


@pytest.mark.parametrize(
    ("language", "jurisdiction", "amount", "money", "date"),
    [
        # COP is written without cents (CLDR cash digits 0); Babel puts no space after $.
        ("es", "CO", Amount(125_000_000, "COP"), "$1.250.000", "5 de marzo de 2026"),
        ("es", "MX", Amount(125_000, "MXN"), "$1,250.00", "5 de marzo de 2026"),
        ("pt", "BR", Amount(125_000, "BRL"), "R$\xa01.250,00", "5 de março de 2026"),
        ("en", "US", Amount(125_000, "USD"), "$1,250.00", "March 5, 2026"),
        ("es", "CL", Amount(1_250_000, "CLP"), "$1.250.000", "5 de marzo de 2026"),
        ("es", "PE", Amount(125_000, "PEN"), "S/\xa01,250.00", "5 de marzo de 2026"),
    ],
)
def test_money_and_dates_in_each_supported_locale(
    language: str, jurisdiction: str, amount: Amount, money: str, date: str
) -> None:
    locale = locale_for(language, jurisdiction)
    out = render("{{ a|money }} / {{ d|date }}", {"a": amount, "d": DUE}, locale, "UTC")
    assert out == f"{money} / {date}"


def test_pesos_keep_their_cents_when_there_are_some() -> None:
    out = render("{{ a|money }}", {"a": Amount(125_000_050, "COP")}, "es_CO", "UTC")
    assert out == "$1.250.000,50"


def test_an_explicit_region_wins_over_the_jurisdiction() -> None:
    assert locale_for("pt-BR", "US") == "pt_BR"
    assert locale_for("es", "US") == "es_US"
    assert locale_for("xx", "ZZ") == "en"


def test_datetimes_are_shown_in_the_debtors_time_zone() -> None:
    at = dt.datetime(2026, 3, 5, 2, 30, tzinfo=dt.UTC)  # 21:30 the day before in Bogotá
    out = render("{{ t|date }}", {"t": at}, "es_CO", "America/Bogota")
    assert out == "4 de marzo de 2026"


def test_undefined_variables_fail_instead_of_rendering_blank() -> None:
    with pytest.raises(UndefinedError):
        render("Hola {{ nmae }}", {"name": "Ana"}, "es_CO", "UTC")


def test_the_sandbox_refuses_python_internals() -> None:
    with pytest.raises(SecurityError):
        render("{{ ''.__class__.__mro__ }}", {}, "en_US", "UTC")


def test_syntax_errors_carry_their_line() -> None:
    with pytest.raises(TemplateError) as caught:
        render("line one\n{% if x %}", {"x": 1}, "en_US", "UTC")
    assert getattr(caught.value, "lineno", None) == 2


def test_html_bodies_escape_what_they_interpolate() -> None:
    out = render("<p>{{ n }}</p>", {"n": "<script>"}, "en_US", "UTC", html=True)
    assert out == "<p>&lt;script&gt;</p>"
