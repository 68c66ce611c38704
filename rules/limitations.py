"""Statutes of limitations: when a debt becomes time-barred, per jurisdiction.

A time-barred debt may still be collected, but never by suit or the threat of
one (12 CFR 1006.26(b); ``suppress.time_barred_threat``), and some states make
its messages carry a disclosure (``rules.notices``). The period is the law of
the jurisdiction and of the kind of debt; each row says where its number comes
from: ``law`` where we read the statute, ``policy_default`` where we did not
(or where the law has several periods and we ship the shortest, which flags a
debt barred earlier and so never allows a threat the law forbids).

The clock starts at the account's ``delinquency_date`` (default: the breach
from which an action on the debt accrues). Without it we use the last payment
(never later than the default it preceded) and, failing both, the charge-off
date (later than the default: a labelled estimate). Revival by a later payment
or acknowledgment is not modelled: the tenant sets ``time_barred`` explicitly
where its counsel holds the clock restarted (or stopped).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from recaudo.contracts.base import lineage
from recaudo.rules.rule import Rule


@dataclass(frozen=True, slots=True)
class Limitation:
    """The period to sue on a consumer debt in one jurisdiction."""

    rule: Rule
    years: int
    #: What starts the clock, in the statute's (or our) words.
    starts: str


@dataclass(frozen=True, slots=True)
class AccountDates:
    """The dates of an account the limitations clock reads (any may be unknown)."""

    delinquency_date: dt.date | None = None
    last_payment_date: dt.date | None = None
    charge_off_date: dt.date | None = None

    @classmethod
    def from_iso(cls, *days: str) -> AccountDates:
        """From the ISO strings the debtor state keeps ("" for unknown), in field order."""
        return cls(*(dt.date.fromisoformat(d) if d else None for d in days))


@dataclass(frozen=True, slots=True)
class Barred:
    """Whether a debt is time-barred on a day, and why."""

    barred: bool
    #: The first day the debt is time-barred (None: no dates, or stated by the tenant).
    since: dt.date | None
    limitation: Limitation | None
    #: ``derived`` from the dates, ``stated`` by the tenant, or ``unknown``.
    source: str


def _law(code: str, citation: str, version: str) -> Rule:
    return Rule(f"limitations.{code.lower()}", citation, version, kind="law")


def _policy(code: str, citation: str) -> Rule:
    return Rule(f"limitations.{code.lower()}", citation, "1", kind="policy_default")


_DEFAULT = "the default (breach) from which the action accrues"

LIMITATIONS: dict[str, Limitation] = {
    "US": Limitation(
        _policy(
            "US",
            "Tenant policy default: 12 CFR 1006.26(a)(1) leaves the period to the applicable "
            "(state) law; 3 years, the shortest common state period, where no state row applies",
        ),
        3,
        _DEFAULT,
    ),
    "US-CA": Limitation(
        _law(
            "US-CA",
            "Cal. Code Civ. Proc. 337(a)-(b) as amended by AB 1526 (Stats. 2018, ch. 247): 4 years "
            "on a written contract or book account; once run, no suit or arbitration to collect",
            "2019-01",
        ),
        4,
        _DEFAULT,
    ),
    "US-NY": Limitation(
        _law(
            "US-NY",
            "N.Y. CPLR 213(a) and 214-i (Consumer Credit Fairness Act, L.2021 c.593, in force "
            "2022-04-07): 3 years on a consumer credit transaction; once expired, no payment or "
            "affirmation revives or extends it",
            "2022-04",
        ),
        3,
        _DEFAULT,
    ),
    "US-TX": Limitation(
        _law(
            "US-TX",
            "Tex. Civ. Prac. & Rem. Code 16.004(a)(3): suit on a debt not later than four "
            "years after the day the cause of action accrues",
            "2019-09",
        ),
        4,
        "the day the cause of action accrues",
    ),
    "US-MA": Limitation(
        _policy(
            "US-MA",
            "Tenant policy default: M.G.L. c. 260 s. 2 (6 years on contract), per secondary "
            "sources; official text not verified here",
        ),
        6,
        _DEFAULT,
    ),
    "US-WA": Limitation(
        _policy(
            "US-WA",
            "Tenant policy default: RCW 4.16.040 (6 years on a written contract), per secondary "
            "sources; official text not verified here",
        ),
        6,
        _DEFAULT,
    ),
    "CO": Limitation(
        _policy(
            "CO",
            "Tenant policy default: Código de Comercio art. 789 (acción cambiaria directa on a "
            "pagaré, 3 years from maturity), the shortest of the periods that may apply (Código "
            "Civil art. 2536: 5 years executive, 10 ordinary); official texts not verified here",
        ),
        3,
        "the maturity of the instalment in default",
    ),
    "MX": Limitation(
        _policy(
            "MX",
            "Tenant policy default: Ley General de Títulos y Operaciones de Crédito art. 165 "
            "(acción cambiaria, 3 years from maturity), the shortest of the periods that may "
            "apply (Código de Comercio art. 1047: 10 years); official texts not verified here",
        ),
        3,
        "the maturity of the instalment in default",
    ),
    "BR": Limitation(
        _policy(
            "BR",
            "Tenant policy default: Código Civil art. 206 §5º I (5 years to collect a liquid "
            "debt in a public or private instrument); official text not verified here",
        ),
        5,
        _DEFAULT,
    ),
    "CL": Limitation(
        _policy(
            "CL",
            "Tenant policy default: Código Civil art. 2515 (3 years executive action, 5 "
            "ordinary); official text not verified here",
        ),
        3,
        "the day the obligation became due",
    ),
    "PE": Limitation(
        _policy(
            "PE",
            "Tenant policy default: Código Civil art. 2001(1) (10 years, personal action); "
            "official text not verified here",
        ),
        10,
        "the day the action could be brought",
    ),
}

#: The shortest period of any jurisdiction, in days: a cadence step reaching this
#: many days past due can reach a time-barred account somewhere.
SHORTEST_DAYS = min(lim.years for lim in LIMITATIONS.values()) * 365


def limitation_for(jurisdiction: str) -> Limitation | None:
    """The jurisdiction's row, else the nearest one it lies in (a city its state's, a
    state without one the US default)."""
    return next((LIMITATIONS[c] for c in lineage(jurisdiction) if c in LIMITATIONS), None)


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years; 29 February falls to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def clock_start(dates: AccountDates) -> dt.date | None:
    return dates.delinquency_date or dates.last_payment_date or dates.charge_off_date


def time_barred(
    jurisdiction: str, dates: AccountDates, on: dt.date, stated: bool | None = None
) -> Barred:
    """Whether the debt is time-barred on ``on``: the tenant's statement wins, else
    the dates; with neither the debt is not treated as barred (``unknown``)."""
    lim = limitation_for(jurisdiction)
    start = clock_start(dates)
    since = add_years(start, lim.years) if lim is not None and start is not None else None
    if stated is not None:
        return Barred(stated, since, lim, "stated")
    if since is None:
        return Barred(False, None, lim, "unknown")
    return Barred(on >= since, since, lim, "derived")


def past_obsolescence(dates: AccountDates, on: dt.date) -> bool:
    """FCRA 605(a)(4) and (c)(1) (15 U.S.C. 1681c): a collection or charged-off account
    is not reported more than seven years after the period that begins 180 days after
    the delinquency. California's time-barred notice differs after that date."""
    start = clock_start(dates)
    return start is not None and on >= add_years(start + dt.timedelta(days=180), 7)
