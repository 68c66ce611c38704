"""The strategy against the holdout, in words, with the weekly series behind it.

A manager asks "is it working?" before "what is the interval?". The verdict is
read from the outcome report's comparison of the largest treated arm with the
no-contact holdout: its always-valid 95 % interval (``streams.reports.stats``:
it stays valid however often a manager looks), ahead when the whole interval
is above zero, behind when below, otherwise too early, with the days still
needed from the report's own power figure (``streams.reports.power``).

The weekly series groups debtors by the week they were enrolled (when they
first owed), treated arm against the holdout, each with the report's holdout
interval: the summaries keep what a debtor recovered since enrolment, not when.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from recaudo.contracts.state import OutcomeSummary
from recaudo.streams.reports.model import GroupRow, OutcomeReport
from recaudo.streams.reports.render import money
from recaudo.streams.reports.stats import holdout_difference

HOLDOUT = "holdout"
DAY_S = 86400.0

Verdict = Literal["ahead", "behind", "too_early", "no_data"]


class WeekPoint(BaseModel):
    """Debtors enrolled in the ISO week starting ``week``: treated minus holdout."""

    week: dt.date
    treated_debtors: int
    holdout_debtors: int
    estimate: float | None = Field(description="Incremental recovered per debtor, minor units")
    low: float | None
    high: float | None
    status: str


class RateRow(BaseModel):
    arm: str
    debtors: int
    promises: int
    promise_kept_rate: float | None
    roll_rate_1: float | None = None
    roll_rate_30: float | None = None


class Headline(BaseModel):
    tenant_id: str
    as_of: dt.datetime | None = Field(
        description="The newest event time in the tenant's data (not the wall clock)"
    )
    verdict: Verdict
    sentence: str = Field(description="The verdict in words")
    arm: str | None = None
    currency: str | None = None
    debtors: int = 0
    estimate: float | None = Field(default=None, description="Per debtor, minor units")
    low: float | None = None
    high: float | None = None
    days_so_far: float | None = None
    days_more: float | None = Field(
        default=None,
        description="Too early: days more at this enrolment rate to detect the estimate "
        "(the report's power figure; an estimate)",
    )
    weeks: list[WeekPoint] = []
    rates: list[RateRow] = []


def _main_row(report: OutcomeReport) -> GroupRow | None:
    rows = [g for g in report.groups if g.vs_holdout is not None]
    return max(rows, key=lambda g: (g.debtors, g.arm), default=None)


def _weeks(
    summaries: Sequence[tuple[str, OutcomeSummary]], arm: str, currency: str
) -> list[WeekPoint]:
    groups: dict[dt.date, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for _, s in summaries:
        if s.cur != currency or s.arm not in (arm, HOLDOUT) or not s.since:
            continue
        day = dt.datetime.fromtimestamp(s.since, dt.UTC).date()
        groups[day - dt.timedelta(days=day.weekday())][s.arm].append(float(s.rec))
    points = []
    for week in sorted(groups):
        treated, holdout = groups[week][arm], groups[week][HOLDOUT]
        diff = holdout_difference(treated, holdout)
        points.append(
            WeekPoint(
                week=week,
                treated_debtors=len(treated),
                holdout_debtors=len(holdout),
                estimate=diff.estimate,
                low=diff.low,
                high=diff.high,
                status=diff.status,
            )
        )
    return points


def _rates(report: OutcomeReport, currency: str | None) -> list[RateRow]:
    rolls = {r.arm: r for r in report.roll_rates}
    rows = []
    for g in report.groups:
        if currency is not None and g.currency != currency:
            continue
        roll = rolls.get(g.arm)
        rows.append(
            RateRow(
                arm=g.arm,
                debtors=g.debtors,
                promises=g.promises,
                promise_kept_rate=g.promise_kept_rate,
                roll_rate_1=roll.roll_rate_1 if roll else None,
                roll_rate_30=roll.roll_rate_30 if roll else None,
            )
        )
    return rows


def headline(
    tenant_id: str,
    report: OutcomeReport,
    summaries: Sequence[tuple[str, OutcomeSummary]],
    as_of: float | None,
) -> Headline:
    """The verdict for ``report`` (grouped by arm) as of the data's time ``as_of``."""
    at = dt.datetime.fromtimestamp(as_of, dt.UTC) if as_of else None
    row = _main_row(report)
    if row is None or row.vs_holdout is None:
        return Headline(
            tenant_id=tenant_id,
            as_of=at,
            verdict="no_data",
            sentence="No data yet: no debtor with a holdout to compare has owed anything.",
            rates=_rates(report, None),
        )
    vs = row.vs_holdout
    diff = vs.always_valid_per_debtor
    level = "95 %, always valid"
    since = [s.since for _, s in summaries if s.since and s.cur == row.currency]
    so_far = max(1.0, ((as_of or 0.0) - min(since)) / DAY_S) if since else None
    common: dict[str, Any] = {
        "tenant_id": tenant_id,
        "as_of": at,
        "arm": row.arm,
        "currency": row.currency,
        "debtors": row.debtors,
        "estimate": diff.estimate,
        "low": diff.low,
        "high": diff.high,
        "days_so_far": so_far,
        "weeks": _weeks(summaries, row.arm, row.currency),
        "rates": _rates(report, row.currency),
    }
    name = f"The {row.arm} strategy"
    if diff.status == "ok" and diff.low is not None and diff.high is not None:
        est = diff.estimate or 0.0
        span = f"{money(diff.low, row.currency)} to {money(diff.high, row.currency)}"
        if diff.low > 0:
            sentence = (
                f"{name} is ahead: it recovers {money(est, row.currency)} more per debtor "
                f"than leaving debtors alone ({level}: {span})."
            )
            return Headline(verdict="ahead", sentence=sentence, **common)
        if diff.high < 0:
            sentence = (
                f"{name} is behind: it recovers {money(-est, row.currency)} less per debtor "
                f"than leaving debtors alone ({level}: {span})."
            )
            return Headline(verdict="behind", sentence=sentence, **common)
        more = vs.power.more_days_needed if vs.power else None
        wait = (
            f"about {math.ceil(more)} more days at this volume (an estimate)"
            if more is not None
            else "more debtors (no enrolment rate to say how many days)"
        )
        sentence = (
            f"Too early to say: not enough data yet. {name} is at "
            f"{money(est, row.currency)} per debtor against the holdout ({level}: {span}); "
            f"it needs {wait}."
        )
        return Headline(verdict="too_early", sentence=sentence, days_more=more, **common)
    sentence = (
        f"Too early to say: not enough data yet ({diff.status}: the {row.arm} arm and the "
        "holdout each need at least two debtors)."
    )
    return Headline(verdict="too_early", sentence=sentence, **common)
