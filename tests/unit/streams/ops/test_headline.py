"""The headline's verdict and its "days more" estimate, from report rows alone."""

from __future__ import annotations

import math

import pytest

from recaudo.contracts.state import OutcomeSummary
from recaudo.streams.ops.headline import headline
from recaudo.streams.reports import compute_report

DAY = 86400.0


def summary(arm: str, rec: int, day: int) -> OutcomeSummary:
    return OutcomeSummary(
        since=(day + 1) * DAY, arm=arm, strat="x", owed=10_000, cur="USD", rec=rec
    )


def test_an_interval_across_zero_is_too_early_with_the_days_it_needs() -> None:
    found = [(f"t{i}", summary("champion", r, i)) for i, r in enumerate((0, 900, 2000, 100))]
    found += [(f"h{i}", summary("holdout", r, i)) for i, r in enumerate((0, 1000, 300))]
    report = compute_report("acme", found, ["arm"])
    said = headline("acme", report, found, 30 * DAY)
    assert said.verdict == "too_early"
    assert said.days_more is not None
    power = report.groups[0].vs_holdout
    assert power is not None
    assert power.power is not None
    assert said.days_more == power.power.more_days_needed, "the report's own figure"
    assert "not enough data yet" in said.sentence
    assert f"about {math.ceil(said.days_more)} more days" in said.sentence
    assert said.days_so_far == pytest.approx(29.0), "since the first enrolment (day 1)"
    assert said.as_of is not None
    assert said.as_of.day == 31  # 30 days after the epoch


def test_behind_and_no_data() -> None:
    found = [(f"t{i}", summary("champion", r, 0)) for i, r in enumerate((0, 10, 0, 20))]
    found += [(f"h{i}", summary("holdout", r, 0)) for i, r in enumerate((5000, 6000, 5500))]
    assert headline("acme", compute_report("acme", found, ["arm"]), found, DAY).verdict == "behind"
    empty = headline("acme", compute_report("acme", [], ["arm"]), [], None)
    assert (empty.verdict, empty.as_of) == ("no_data", None)
