"""Colombia: the prior notice before a negative credit-bureau report.

Ley 1266 de 2008, art. 12, as amended by Ley 2157 de 2021 ("borrón y cuenta
nueva"), as we read it from concordant secondary sources (the official text
could not be read here, so every rule below is ``policy_default``):

- a negative report is made only after a prior communication to the debtor
  (which may be a data message, Ley 527 de 1999), and only once twenty calendar
  days have passed after it was sent;
- for an obligation of at most 15% of one monthly minimum wage (SMMLV), at least
  two communications on different days, with the twenty days counted from the
  last of them.

We count from the day the notice was *delivered* (the proof a source must be
able to show), never from the day it was sent, and the twenty days must have
passed in full: the earliest reporting day is the 21st after delivery. Both
are stricter than the text, as policy. A notice is a written message (its
delivery receipt is the proof): a call cannot carry it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field, field_validator

from recaudo.contracts.events import Channel, Money
from recaudo.rules.rule import Rule

_ART12 = "Ley 1266 de 2008, art. 12, as amended by Ley 2157 de 2021"
_UNVERIFIED = "per secondary sources; official text not verified here (policy)"

PRIOR_NOTICE = Rule(
    "co.ley1266.art12.comunicacion_previa",
    f"{_ART12}: a negative report only 20 calendar days after the prior notice to the "
    f"debtor was sent; counted here from its delivery, the 20 days in full, {_UNVERIFIED}",
    "2021-10",
    kind="policy_default",
)
SMALL_DEBT = Rule(
    "co.ley1266.art12.dos_comunicaciones",
    f"{_ART12}: an obligation of at most 15% of one SMMLV is reported only after at least "
    f"two notices on different days, 20 calendar days after the last, {_UNVERIFIED}",
    "2021-10",
    kind="policy_default",
)
WRITTEN_NOTICE = Rule(
    "co.policy.aviso_escrito",
    f"Tenant policy: the notice of {_ART12} goes as a written message whose delivery "
    "can be proven, never a call",
    "1",
    kind="policy_default",
)

NOTICE_DAYS = 20
SMALL_SHARE = Fraction(15, 100)
#: Channels that carry a notice with a delivery receipt.
NOTICE_CHANNELS = frozenset({Channel.SMS, Channel.EMAIL, Channel.WHATSAPP})
#: Salario mínimo legal mensual vigente, pesos, by year (the yearly decree; values
#: not verified here). A year missing counts every debt as small: two notices.
SMMLV_COP: dict[int, int] = {
    2021: 908_526,
    2022: 1_000_000,
    2023: 1_160_000,
    2024: 1_300_000,
    2025: 1_423_500,
}


def is_colombian(jurisdiction: str | None) -> bool:
    """A Colombian debtor (``CO`` or a subdivision, ``CO-DC``); unknown is not."""
    return (jurisdiction or "").split("-")[0] == "CO"


def is_small_debt(amount: Money | None, on: dt.date) -> bool:
    """At most 15% of the year's SMMLV; unknown amount, currency or year: small."""
    wage = SMMLV_COP.get(on.year)
    if amount is None or amount.currency != "COP" or wage is None:
        return True
    # COP has two minor digits in ISO 4217.
    return Fraction(amount.amount_minor, 100) <= SMALL_SHARE * wage


def notices_needed(small: bool) -> int:
    """Notices on different days before a report: two for a small debt, else one."""
    return 2 if small else 1


def earliest_report_date(delivered: Iterable[dt.date], small: bool) -> dt.date | None:
    """The first day a negative report may be made, or None while the notices the
    law asks for have not been delivered (one; two on different days if ``small``)."""
    days = sorted(set(delivered))
    needed = notices_needed(small)
    if len(days) < needed:
        return None
    return days[needed - 1] + dt.timedelta(days=NOTICE_DAYS + 1)


def rule_for(small: bool) -> Rule:
    return SMALL_DEBT if small else PRIOR_NOTICE


class CreditBureauNotices(BaseModel):
    """A tenant's ``[credit_bureau]``: whether the service sends the prior notices
    itself (``streams.credit_bureau_notices``), from how many days past due, with
    which message and on which written channels (in preference order)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    at_dpd: int = Field(default=30, ge=1, le=3650)
    template: str = "credit_bureau_notice"
    channels: tuple[Channel, ...] = Field(default=(Channel.EMAIL, Channel.SMS), min_length=1)

    @field_validator("channels")
    @classmethod
    def _written(cls, value: tuple[Channel, ...]) -> tuple[Channel, ...]:
        spoken = [c.value for c in value if c not in NOTICE_CHANNELS]
        if spoken:
            raise ValueError(f"{spoken}: a notice needs a written channel with a delivery receipt")
        return value
