"""Days of the month in a promise ("el viernes 13", "el 15", "sexta dia 13", "on the
13th", "el 5 del mes que viene") are dates, never amounts (issue 22, part 5).

The rule, from ``streams.conversation.slots``: the next occurrence of the day on or
after the debtor's today, or the month said next to it; a day the month lacks is its
last; with a weekday that disagrees, the day number wins.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recaudo.streams.conversation.parse import Ask, parse_reply
from tests.unit.streams.conversation.test_assistant import DECIDER, NIGHT_UTC, known, reply, run

TODAY = dt.date(2026, 12, 2)  # a Wednesday; the 13th is a Sunday
CURRENCY = {"es": "COP", "en": "USD", "pt": "BRL"}


def last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def next_day_of_month(today: dt.date, day: int) -> dt.date:
    """The oracle, by walking the calendar: the first date on or after ``today`` that
    is the ``day``th, or its month's last day where the month is shorter."""
    for ahead in range(62):
        date = today + dt.timedelta(days=ahead)
        if date.day == min(day, last_day(date.year, date.month)):
            return date
    raise AssertionError("no such day within two months")


def month_after(today: dt.date, day: int) -> dt.date:
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return dt.date(year, month, min(day, last_day(year, month)))


@pytest.mark.parametrize(
    ("text", "lang", "due", "amount"),
    [
        ("le pago el viernes 13", "es", dt.date(2026, 12, 13), None),
        ("el 15", "es", dt.date(2026, 12, 15), None),
        ("el 30 de este mes le pago", "es", dt.date(2026, 12, 30), None),
        ("pago el 5 del mes que viene", "es", dt.date(2027, 1, 5), None),
        ("el mes que viene, el 10, le pago", "es", dt.date(2027, 1, 10), None),
        ("pago el lunes 14", "es", dt.date(2026, 12, 14), None),
        ("pago 500 el 15", "es", dt.date(2026, 12, 15), 50_000),
        ("el viernes 11 le deposito 200 mil", "es", dt.date(2026, 12, 11), 20_000_000),
        ("pago sexta dia 13", "pt", dt.date(2026, 12, 13), None),
        ("vou pagar na sexta 11", "pt", dt.date(2026, 12, 11), None),
        ("sexta-feira, dia 18, eu pago", "pt", dt.date(2026, 12, 18), None),
        ("dia 5 do mês que vem eu pago", "pt", dt.date(2027, 1, 5), None),
        ("R$ 200 dia 10", "pt", dt.date(2026, 12, 10), 20_000),
        ("I'll pay on the 13th", "en", dt.date(2026, 12, 13), None),
        ("will pay on Friday 13", "en", dt.date(2026, 12, 13), None),
        ("fri 18th i'll send it", "en", dt.date(2026, 12, 18), None),
        ("I'll pay on the 5th of next month", "en", dt.date(2027, 1, 5), None),
        ("$50 on the 13th", "en", dt.date(2026, 12, 13), 5_000),
        ("I'll pay $13 on friday the 13th", "en", dt.date(2026, 12, 13), 1_300),
    ],
)
def test_the_issues_phrasings(text: str, lang: str, due: dt.date, amount: int | None) -> None:
    got = parse_reply(text, lang, TODAY, CURRENCY[lang])
    assert (got.ask, got.due_on, got.amount_minor) == (Ask.PROMISE, due, amount)


@pytest.mark.parametrize(
    ("text", "lang", "today", "due"),
    [
        # A day the month lacks is its last.
        ("pago el 31", "es", dt.date(2026, 11, 5), dt.date(2026, 11, 30)),
        ("on the 30th", "en", dt.date(2027, 2, 10), dt.date(2027, 2, 28)),
        ("dia 30", "pt", dt.date(2028, 2, 10), dt.date(2028, 2, 29)),
        ("el 31 del mes que viene", "es", dt.date(2026, 10, 20), dt.date(2026, 11, 30)),
        # A day already gone this month is next month's, across the year's end.
        ("pago el 5", "es", dt.date(2026, 12, 20), dt.date(2027, 1, 5)),
        ("pago el 20", "es", dt.date(2026, 12, 20), dt.date(2026, 12, 20)),
        # "This month" before the day is what the debtor cannot do, not the day's month.
        ("no puedo este mes, el 5 le pago", "es", dt.date(2026, 12, 20), dt.date(2027, 1, 5)),
        ("can't this month, on the 5th", "en", dt.date(2026, 12, 20), dt.date(2027, 1, 5)),
    ],
)
def test_days_the_month_lacks_and_days_gone(
    text: str, lang: str, today: dt.date, due: dt.date
) -> None:
    got = parse_reply(text, lang, today, CURRENCY[lang])
    assert (got.ask, got.due_on, got.amount_minor) == (Ask.PROMISE, due, None)


def test_a_day_gone_this_month_said_of_this_month_is_no_date_and_no_amount() -> None:
    # "El 1 de este mes" on the 2nd: the assistant asks for the date.
    got = parse_reply("le pago el 1 de este mes", "es", TODAY, "COP")
    assert (got.ask, got.due_on, got.amount_minor) == (Ask.PROMISE, None, None)


def test_numbers_no_month_has_are_not_days() -> None:
    got = parse_reply("pay friday 50", "en", TODAY, "USD")
    assert (got.due_on, got.amount_minor) == (dt.date(2026, 12, 4), 5_000)
    assert parse_reply("pago el viernes 20 mil", "es", TODAY, "COP").amount_minor == 2_000_000


def test_the_day_is_read_in_the_debtors_zone() -> None:
    # 23:00 on the 17th in New York is the 18th in UTC: "the 17th" is today, not next month.
    state = known()
    run(DECIDER, state, reply("I'll pay on the 17th", occurred_at=NIGHT_UTC), now=NIGHT_UTC)
    assert state.promise_until == dt.date(2026, 11, 17)
    assert state.conversation is not None
    assert state.conversation.pa == 12_000  # the account's due, not $17.00


WEEKDAYS = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "en": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
           "mon", "tue", "wed", "thu", "fri", "sat", "sun"),
    "pt": ("segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo",
           "segunda-feira", "sexta-feira"),
}  # fmt: skip
#: How the day is said: {wd} a weekday (any, agreeing or not), {d} the day, {o} "13th".
WHEN = {
    "es": ("el {d}", "el {wd} {d}", "el {wd}, {d}", "{wd} {d}", "el día {d}", "el {wd} día {d}",
           "hasta el {d}", "antes del {d}"),
    "en": ("on the {o}", "the {o}", "on {wd} the {o}", "{wd} the {o}", "on {wd} {d}", "{wd} {o}",
           "on the {d}", "by the {o}", "on {wd}, the {o}"),
    "pt": ("dia {d}", "no dia {d}", "{wd} dia {d}", "na {wd} {d}", "{wd}, dia {d}",
           "até o dia {d}", "{wd} {d}"),
}  # fmt: skip
SAY = {
    "es": ("le pago {when}", "{when} le pago", "{when} sin falta le abono", "prometo pagar {when}",
           "ok, {when} le deposito", "{when} consigno"),
    "en": ("I'll pay {when}", "{when} I can pay", "will send it {when}", "paying {when}, promise",
           "I get paid {when}, will pay then"),
    "pt": ("pago {when}", "{when} eu pago", "vou pagar {when}", "{when} deposito",
           "posso pagar {when}"),
}  # fmt: skip
#: The same with money: {m} an amount marked as money.
SAY_MONEY = {
    "es": ("le pago {m} {when}", "{when} le pago {m}", "{when} le abono {m}"),
    "en": ("I'll pay {m} {when}", "{when} I can pay {m}", "{m} {when}"),
    "pt": ("pago {m} {when}", "{when} pago {m}", "{m} {when}"),
}  # fmt: skip


def ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


@st.composite
def day_phrase(draw: st.DrawFn, lang: str, day: int) -> str:
    weekday = draw(st.sampled_from(WEEKDAYS[lang]))
    weekday = draw(st.sampled_from((weekday, weekday.title(), weekday.upper())))
    return draw(st.sampled_from(WHEN[lang])).format(wd=weekday, d=day, o=ordinal(day))


DATES = st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31))


@pytest.mark.parametrize("lang", sorted(WHEN))
@given(data=st.data(), today=DATES, day=st.integers(1, 31))
def test_a_day_of_the_month_in_any_phrasing_is_a_date_never_an_amount(
    lang: str, data: st.DataObject, today: dt.date, day: int
) -> None:
    when = data.draw(day_phrase(lang, day))
    text = data.draw(st.sampled_from(SAY[lang])).format(when=when)
    got = parse_reply(text, lang, today, CURRENCY[lang])
    assert (got.ask, got.due_on, got.amount_minor) == (
        Ask.PROMISE,
        next_day_of_month(today, day),
        None,
    ), text


#: A marked amount and its value in minor units.
MONEY = {
    "es": lambda n: (f"{n} mil", n * 100_000),
    "en": lambda n: (f"${n}", n * 100),
    "pt": lambda n: (f"R$ {n}", n * 100),
}


@pytest.mark.parametrize("lang", sorted(WHEN))
@given(data=st.data(), today=DATES, day=st.integers(1, 31), amount=st.integers(1, 999))
def test_a_real_amount_beside_the_day_is_still_the_amount(
    lang: str, data: st.DataObject, today: dt.date, day: int, amount: int
) -> None:
    money, minor = MONEY[lang](amount)
    when = data.draw(day_phrase(lang, day))
    text = data.draw(st.sampled_from(SAY_MONEY[lang])).format(when=when, m=money)
    got = parse_reply(text, lang, today, CURRENCY[lang])
    assert (got.ask, got.due_on, got.amount_minor) == (
        Ask.PROMISE,
        next_day_of_month(today, day),
        minor,
    ), text


NEXT_MONTH = {
    "es": ("le pago el {d} del mes que viene", "el {d} del próximo mes le abono",
           "el mes que viene, el {d}, le pago"),
    "en": ("I'll pay on the {o} of next month", "next month on the {o} I can pay"),
    "pt": ("pago dia {d} do mês que vem", "vou pagar dia {d} do próximo mês",
           "mês que vem, dia {d}, eu pago"),
}  # fmt: skip
THIS_MONTH = {
    "es": ("le pago el {d} de este mes", "el {d} de este mes le abono"),
    "en": ("I'll pay on the {o} of this month", "paying on the {o} this month"),
    "pt": ("pago dia {d} deste mês", "vou pagar dia {d} desse mês"),
}  # fmt: skip


@pytest.mark.parametrize("lang", sorted(WHEN))
@given(data=st.data(), today=DATES, day=st.integers(1, 31))
def test_the_month_said_with_the_day_is_the_month(
    lang: str, data: st.DataObject, today: dt.date, day: int
) -> None:
    said = {"d": day, "o": ordinal(day)}
    next_text = data.draw(st.sampled_from(NEXT_MONTH[lang])).format(**said)
    got = parse_reply(next_text, lang, today, CURRENCY[lang])
    assert (got.due_on, got.amount_minor) == (month_after(today, day), None), next_text
    this_text = data.draw(st.sampled_from(THIS_MONTH[lang])).format(**said)
    this = today.replace(day=min(day, last_day(today.year, today.month)))
    got = parse_reply(this_text, lang, today, CURRENCY[lang])
    expected = this if day >= today.day else None  # a day gone: the assistant asks
    assert (got.due_on, got.amount_minor) == (expected, None), this_text
