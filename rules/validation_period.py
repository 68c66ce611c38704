"""The validation period of a debt collector's validation notice, and the wording
that would overshadow it.

15 U.S.C. 1692g(a)-(b) (read in the Code's text): the consumer has thirty days
after receiving the notice to dispute the debt or ask for the original
creditor; a written dispute in that time stops collection "until the debt
collector obtains verification of the debt or a copy of a judgment" and mails
it; and "any collection activities and communication during the 30-day period
may not overshadow or be inconsistent with the disclosure of the consumer's
right to dispute". 12 CFR 1006.34(b)(5) (read as quoted by secondary sources,
not in the eCFR): the validation period ends 30 days after the consumer
receives the validation information, and the collector may assume receipt on
any date at least five days after providing it, excluding Saturdays, Sundays
and the legal public holidays of 5 U.S.C. 6103(a). 12 CFR 1006.38(d)(2): a
written dispute within the period stops collection until verification is sent.
12 CFR 1006.42: an electronic notice is delivered as E-SIGN requires; we count
one only with the consumer's E-SIGN consent recorded (policy: 1006.42 also
describes other procedures we did not read).

Creditors collecting their own debts in their own name are not debt
collectors (15 U.S.C. 1692a(6)): all of this applies to tenants whose sender
is a third-party collector (``sender.third_party_collector``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import holidays

from recaudo.rules.messages import MessageTemplate
from recaudo.rules.policy import TenantPolicy
from recaudo.rules.rule import Rule
from recaudo.rules.time_barred import plain, template_texts

Method = Literal["mail", "in_person", "email", "sms", "website"]
ELECTRONIC: frozenset[str] = frozenset({"email", "sms", "website"})

#: Days after providing the notice the consumer is assumed to have it (business days).
ASSUMED_RECEIPT_DAYS = 5
#: Days after receipt the period runs (15 U.S.C. 1692g(a)(3)).
PERIOD_DAYS = 30

PERIOD = Rule(
    "us.fdcpa.validation_period",
    "15 U.S.C. 1692g(a)-(b); 12 CFR 1006.34(b)(5), 1006.38(d)(2)",
    "2021-11",
    kind="law",
)
OVERSHADOWING = Rule(
    "us.fdcpa.overshadowing",
    "15 U.S.C. 1692g(b); 12 CFR 1006.38(b)",
    "2021-11",
    kind="law",
)


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

    provided_on: dt.date
    method: Method
    esign_consent: bool = False
    received_on: dt.date | None = None  # proof of receipt, when there is some

    @property
    def counts(self) -> bool:
        """Whether this notice starts a validation period (an electronic one needs consent)."""
        return self.method not in ELECTRONIC or self.esign_consent

    @property
    def period_end(self) -> dt.date:
        """The last day of the validation period (the date the notice states)."""
        received = self.received_on or assumed_receipt(self.provided_on)
        return received + dt.timedelta(days=PERIOD_DAYS)

    def within(self, day: dt.date) -> bool:
        return self.counts and self.provided_on <= day <= self.period_end


#: A demand for payment sooner than the period allows, per base language, matched
#: on lower-case text without accents. Broad on purpose, like the legal threats:
#: a false alarm costs a template edit; a miss costs the consumer's rights.
DEMANDS: dict[str, tuple[str, ...]] = {
    "en": (
        r"\b(pay|payment)\b[^.!?]{0,40}\b(immediately|today|at once|right away)\b",
        r"\bwithin (\d+|one|two|three|five|seven|ten|fifteen) (business )?days\b",
        r"\b(must|have to|need to) pay\b[^.!?]{0,30}\bby\b",
        r"\bfinal (notice|demand)\b",
    ),
    "es": (
        r"\bpag(ue|ar|o)\b[^.!?]{0,40}\b(inmediatamente|de inmediato|hoy mismo|ya)\b",
        r"\b(dentro de|en (los )?proximos) (\d+|dos|tres|cinco|siete|diez|quince) dias\b",
        r"\bdebe pagar\b[^.!?]{0,30}\bantes del?\b",
        r"\bultim(o|a) (aviso|requerimiento)\b",
    ),
    "pt": (
        r"\bpag(ue|ar|amento)\b[^.!?]{0,40}\b(imediatamente|hoje mesmo|ja)\b",
        r"\b(em|dentro de) (\d+|dois|tres|cinco|sete|dez|quinze) dias\b",
        r"\bdeve pagar\b[^.!?]{0,30}\bate\b",
        r"\bultimo aviso\b",
    ),
}
_COMPILED = {lang: re.compile("|".join(words)) for lang, words in DEMANDS.items()}


def demand_in(text: str, language: str) -> str | None:
    """The first overshadowing demand in ``text``; an unknown language is read
    against every list."""
    base = language.split("-")[0]
    patterns = [_COMPILED[base]] if base in _COMPILED else list(_COMPILED.values())
    flat = plain(text)
    for pattern in patterns:
        if found := pattern.search(flat):
            return found.group(0)
    return None


def demands(template: MessageTemplate) -> Iterator[tuple[str, str, str]]:
    """Each ``(language, field, words)`` of ``template`` demanding payment sooner
    than a validation period allows."""
    for lang, field, source in template_texts(template):
        if (words := demand_in(source, lang)) is not None:
            yield lang, field, words


def policy_problems(policy: TenantPolicy, source: str) -> list[str]:
    """``policy check``: for a third-party collector, each collection template that
    would overshadow a validation period, naming the words and the rule."""
    if not policy.sender.third_party_collector:
        return []
    out: list[str] = []
    for i, step in enumerate(policy.cadence):
        spec = policy.messages.get(step.template)
        if spec is None:
            continue
        for lang, field, words in demands(spec):
            out.append(
                f"{source}: messages.{step.template}.text.{lang}.{field}: demands payment "
                f"sooner than the validation period allows ({words!r}); cadence[{i}] "
                f"({step.id}) can reach a debt in its validation period: refused by "
                f"{OVERSHADOWING.id} ({OVERSHADOWING.citation})"
            )
    return list(dict.fromkeys(out))
