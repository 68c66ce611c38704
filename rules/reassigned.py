"""Reassigned numbers: the FCC Reassigned Numbers Database's answer, as data.

The database answers one question per number and date: has this number been
permanently disconnected on or after the date? ``yes``, ``no`` or ``no_data``
(FCC DA 21-1649). A number disconnected since the debtor's consent now
belongs, or may belong, to someone else: their consent was never given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pydantic import AwareDatetime, ConfigDict

from recaudo.contracts.events import Channel
from recaudo.rules.rule import Rule

RndResult = Literal["yes", "no", "no_data"]

#: The delivery error code the dispatcher reports for such a number.
REASSIGNED_CODE = "reassigned_number"

#: Calling and texting: the channels a telephone number reaches.
PHONE_CHANNELS: frozenset[Channel] = frozenset({Channel.VOICE, Channel.SMS})

#: The database is updated monthly (providers report by the 15th): an answer older
#: than this is asked again. Our default; the safe harbor's own wording is unread.
MAX_AGE = dt.timedelta(days=30)

REASSIGNED = Rule(
    "suppress.reassigned_number",
    "Tenant policy default: a number the FCC Reassigned Numbers Database reports "
    "permanently disconnected on or after the consent date is not called or texted "
    "(47 CFR 64.1200(l)-(m), FCC DA 21-1649; the CFR text itself was not read)",
    "2021-11",
    kind="policy_default",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReassignedCheck:
    """One database answer about a number: what was asked, what it said, when."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    result: RndResult
    #: The date asked about ("disconnected on or after this date?"): the consent date.
    date: dt.date
    #: When we asked, on the injected clock.
    checked_at: AwareDatetime

    def covers(self, consent: dt.date) -> bool:
        """Whether this answer still decides a consent given on ``consent``.

        ``no`` since D holds for any later consent; ``yes`` (disconnected on or
        after D) holds for any earlier one; ``no_data`` only for D itself.
        """
        if self.result == "no":
            return consent >= self.date
        if self.result == "yes":
            return consent <= self.date
        return consent == self.date

    def fresh(self, now: dt.datetime, max_age: dt.timedelta = MAX_AGE) -> bool:
        return now - self.checked_at <= max_age
