"""The date and the amount in a free-text promise: "el 15 le abono 200 mil",
"I'll pay $50 on Friday", "pago dia 10", "R$ 80,00 sexta".

Deterministic and small on purpose: every rule is a line a reviewer can read,
the corpus in ``tests/fixtures/replies.jsonl`` measures it, and a date is
resolved against the debtor's own "today" (their time zone), never the
server's. Numbers that are dates ("15/12", "el 15", "dia 10", "el viernes 13",
"sexta dia 13", "on the 13th") are claimed by the date first, so they are never
read as money.

A day of the month is its next occurrence on or after today ("el 15" on the
20th is next month's), or the month said next to it ("de este mes", "del mes
que viene"). A day the month lacks is its last ("el 31" in November is the
30th: debtors paid at month's end say 30 or 31 alike). When the weekday said
with it disagrees ("el viernes 13" when the 13th is a Sunday) the day number
wins: it names one day a month where the weekday names one in seven, paydays
are days of the month, and the confirmation names the date, so a slip is
corrected by the debtor instead of moving the promise weeks away.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision

from recaudo.channels.opt_out import fold
from recaudo.contracts.validators import MAX_SAFE_MINOR
from recaudo.streams.conversation import lexicon

log = logging.getLogger(__name__)
_SPACES = re.compile(r"\s+")
_KEEP = re.compile(r"[^a-z0-9$/.,: ]+")


def simplify(text: str) -> str:
    """Folded as every reply is (``channels.opt_out.fold``); keeps digits, ``$``,
    ``/``, ``.``, ``,`` and ``:``."""
    return _SPACES.sub(" ", _KEEP.sub(" ", fold(text))).strip()


@dataclass(frozen=True, slots=True)
class Slots:
    due_on: dt.date | None
    amount_minor: int | None


def _either(words: tuple[str, ...] | list[str]) -> str:
    """An alternation of ``words``, the longest first ("sunday" before "sun")."""
    return "|".join(sorted(words, key=len, reverse=True))


_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2,4}))?\b")
#: Not money: "el 15 mil", "dia 10 reais", "the 13.50" are amounts.
_NOT_MONEY = r"(?!\s*(?:mil|k\b|" + _either(lexicon.MONEY_WORDS) + r"|[.,]\d))"
_DAY_OF_MONTH = re.compile(
    r"\b(?:" + _either(lexicon.DAY_MARKERS) + r")\s+(\d{1,2})(?:st|nd|rd|th|o)?\b" + _NOT_MONEY
)
#: "viernes 13", "sexta(-feira), dia 13", "friday the 13th", "fri 13".
_WEEKDAY_DAY = re.compile(
    r"\b(?:" + _either(list(lexicon.WEEKDAYS)) + r")\b(?:\s+feira)?\s*,?\s*"
    r"(?:(?:el|the|dia|o)\s+)?(\d{1,2})(?:st|nd|rd|th|o)?\b" + _NOT_MONEY
)
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b")
#: The month said right after the day ("el 5 del mes que viene", "the 30th of this
#: month"), or the next month right before it ("next month on the 5th", "mes que
#: vem, dia 5"); not "this month" before it, which is mostly what the debtor cannot
#: do ("no puedo este mes, el 5 le pago").
_MONTH_AFTER = re.compile(
    r"\s*,?\s*(?:(?:de|del|do|da|of|in)\s+)?(?:(?:el|the|o)\s+)?"
    r"(?:(?P<this>"
    + _either(lexicon.THIS_MONTH)
    + r")|(?P<next>"
    + _either(lexicon.NEXT_MONTH)
    + r"))\b"
)
_MONTH_BEFORE = re.compile(
    r"\b(?P<next>" + _either(lexicon.NEXT_MONTH) + r")\s*,?(?:\s+(?:on|el|en|o|no|na|em|a|in))*\s*$"
)
_DAY_MONTH = re.compile(r"\b(\d{1,2})\s+de\s+([a-z]+)\b")
_MONTH_DAY = re.compile(r"\b([a-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?\b")
_IN_DAYS = re.compile(
    r"\b(?:"
    + "|".join(lexicon.IN_DAYS)
    + r")\s+(\d{1,2})\s+(?:"
    + "|".join(lexicon.DAY_WORDS)
    + r")\b"
)
_TIME = re.compile(
    r"\b(?:a las|at|as|las)\s+\d{1,2}(?::\d{2})?\s*(?:am|pm|h)?\b"
    r"|\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\b\d{1,2}:\d{2}\b"
)
_MONEY = re.compile(
    r"(?P<cur>r\$|us\$|\$)?\s*"
    r"(?P<num>\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
    r"(?:\s*(?P<mult>mil\b|k\b|" + "|".join(lexicon.MILLIONS) + r"))?"
    r"(?:\s*(?:de\s+)?(?P<word>" + "|".join(lexicon.MONEY_WORDS) + r")\b)?"
)


def parse_slots(text: str, today: dt.date, language: str, currency: str) -> Slots:
    """The promised date (resolved from ``today``) and amount (minor units of ``currency``)."""
    simple = simplify(text)
    due, claimed = _date(simple, today, language)
    return Slots(due, _amount(simple, claimed, currency))


def _date(text: str, today: dt.date, language: str) -> tuple[dt.date | None, list[range]]:
    """The date and the character spans it claimed (numbers that are not money)."""
    claimed = [range(*m.span()) for m in _TIME.finditer(text)]
    m = _NUMERIC_DATE.search(text)
    if m:
        claimed.append(range(*m.span()))
        a, b = int(m.group(1)), int(m.group(2))
        year = _year(m.group(3), today)
        day, month = (b, a) if language.startswith("en") and a <= 12 else (a, b)
        found = _safe(year, month, day) or _safe(year, day, month)
        if found is not None and found < today and m.group(3) is None:
            found = _safe(year + 1, found.month, found.day)
        return found, claimed
    for pattern, order in ((_DAY_MONTH, "dm"), (_MONTH_DAY, "md")):
        for m in pattern.finditer(text):
            day_s, month_s = (m.group(1), m.group(2)) if order == "dm" else (m.group(2), m.group(1))
            named = lexicon.MONTHS.get(month_s)
            if named is None:
                continue
            claimed.append(range(*m.span()))
            found = _safe(today.year, named, int(day_s))
            if found is not None and found < today:
                found = _safe(today.year + 1, named, int(day_s))
            return found, claimed
    m = _IN_DAYS.search(text)
    if m:
        claimed.append(range(*m.span()))
        return today + dt.timedelta(days=int(m.group(1))), claimed
    for pattern in (_WEEKDAY_DAY, _DAY_OF_MONTH, _ORDINAL):
        m = pattern.search(text)
        if m and 1 <= int(m.group(1)) <= 31:
            claimed.append(range(*m.span()))
            ahead = _months_ahead(text[: m.start()], text[m.end() :])
            return _day_of_month(today, int(m.group(1)), ahead), claimed
    padded = f" {text} "
    for phrase in lexicon.END_OF_MONTH:
        if f" {phrase} " in padded:
            last = calendar.monthrange(today.year, today.month)[1]
            return today.replace(day=last), claimed
    words = text.split()
    for word in words:
        weekday = lexicon.WEEKDAYS.get(word)
        if weekday is None or (len(word) <= 3 and not _english_context(words)):
            continue
        ahead = (weekday - today.weekday()) % 7 or 7
        return today + dt.timedelta(days=ahead), claimed
    for phrase in lexicon.NEXT_WEEK:
        if f" {phrase} " in padded:
            return today + dt.timedelta(days=7 - today.weekday()), claimed
    for phrase, days in sorted(lexicon.RELATIVE_DAYS.items(), key=lambda kv: -len(kv[0])):
        if f" {phrase} " in padded:
            return today + dt.timedelta(days=days), claimed
    return None, claimed


def _english_context(words: list[str]) -> bool:
    """Short weekday names ("fri", "sat") only in English, where they are common."""
    return any(w in ("on", "by", "pay", "next", "this") for w in words)


def _year(raw: str | None, today: dt.date) -> int:
    if raw is None:
        return today.year
    year = int(raw)
    return year + 2000 if year < 100 else year


def _safe(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _months_ahead(before: str, after: str) -> int | None:
    """0 for "this month" said next to the day, 1 for "next month", else None."""
    m = _MONTH_AFTER.match(after)
    if m is not None:
        return 0 if m.group("this") else 1
    return 1 if _MONTH_BEFORE.search(before) else None


def _day_of_month(today: dt.date, day: int, months_ahead: int | None = None) -> dt.date | None:
    """ "el 15": this month's 15th, or next month's once it has passed; "del mes que
    viene" (``months_ahead`` 1) next month's. A passed day of "este mes" is no date:
    the assistant asks for one. A day the month lacks is its last ("el 31" in June)."""
    if months_ahead is None:
        months_ahead = 0 if day >= today.day else 1
    elif months_ahead == 0 and day < today.day:
        return None
    years, month0 = divmod(today.month - 1 + months_ahead, 12)
    year, month = today.year + years, month0 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day, last))


def _amount(text: str, claimed: list[range], currency: str) -> int | None:
    """Money marked as money ($, R$, "mil", "pesos") wins; else a bare number after
    a verb of paying; else none (an unmarked number is too often something else)."""
    marked: list[Decimal] = []
    bare: list[Decimal] = []
    for m in _MONEY.finditer(text):
        start = m.start("num")
        if any(start in span for span in claimed):
            continue
        value = _number(m.group("num"))
        if value is None:
            continue
        mult = m.group("mult")
        if mult:
            value *= lexicon.THOUSANDS.get(mult, 1_000_000)
        word = m.group("word")
        if word in lexicon.THOUSANDS:
            value *= lexicon.THOUSANDS[word]
        if m.group("cur") or mult or word:
            marked.append(value)
        elif _after_verb(text[:start]) or value >= 1000:
            bare.append(value)
    found = marked or bare
    if not found or found[0] <= 0:
        return None
    minor = int(found[0].scaleb(get_currency_precision(currency)))
    if minor > MAX_SAFE_MINOR:
        # Past what Money holds exactly ("pago 10.000.000.000.000.000.000"): no amount,
        # so the promise is for the amount due and the reply is still answered.
        log.info("reply amount %d above 2^53 - 1 minor units: read as no amount", minor)
        return None
    return minor


def _after_verb(before: str) -> bool:
    tail = " " + " ".join(before.split()[-3:]) + " "
    return any(f" {verb} " in tail for verb in lexicon.PAY_VERBS)


def _number(raw: str) -> Decimal | None:
    """ "1.250.000", "1,250.50", "80,00", "50.5", "200" as a Decimal."""
    if "." in raw and "," in raw:
        decimal_sep = "." if raw.rfind(".") > raw.rfind(",") else ","
    elif raw.count(".") + raw.count(",") == 1:
        sep = "." if "." in raw else ","
        decimal_sep = sep if len(raw) - raw.index(sep) - 1 != 3 else ""
    else:
        decimal_sep = ""
    thousands = {".", ","} - {decimal_sep}
    cleaned = "".join(ch for ch in raw if ch not in thousands).replace(decimal_sep or "_", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None
