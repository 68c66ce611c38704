"""The CLI's renderings carry the same figures as the report."""

from __future__ import annotations

import csv
import io
import re

import orjson
import pytest

from recaudo.contracts.state import OutcomeSummary
from recaudo.streams.reports.model import OutcomeReport
from recaudo.streams.reports.outcomes import compute_report
from recaudo.streams.reports.render import money, to_csv, to_json, to_table
from tests.unit.streams.reports.test_outcomes import portfolio, s


def report() -> OutcomeReport:
    return compute_report("acme", portfolio(), ["arm", "channel"], generated_at=1.0)


def test_json_round_trips_to_the_model() -> None:
    r = report()
    assert OutcomeReport.model_validate(orjson.loads(to_json(r))) == r


def test_table_is_readable() -> None:
    text = to_table(report())
    assert text.startswith("Outcomes for tenant acme: 9 enrolled debtors")
    champion = next(line for line in text.splitlines() if " champion " in line)
    # Money in major units (USD: cents / 100), the incremental figure with its interval.
    assert "$1.50" in champion  # recovered per debtor, 150 minor units
    assert "+$1.00 [-$10.69, +$12.69]" in champion  # the always-valid interval
    assert "+$0.50 [-$0.52, +$1.52]" in champion  # per contact (delta method)
    assert "15.0%" in champion  # recovery rate
    assert "+25.0 pts [-34.8, +69.9]" in champion  # opt-out difference, in points
    assert "not enough data yet" in champion  # the interval includes no difference
    assert "Challenger vs champion" in text
    assert "By channel" not in text  # the portfolio records no channels


def test_every_column_has_a_legend_entry() -> None:
    text = to_table(report())
    header = text.split("\n\n")[1].splitlines()[0]
    legend = text.split("Columns:\n", 1)[1].split("\n\n")[0]
    named = {line[2:].split("  ")[0] for line in legend.splitlines() if line[2:3] != " "}
    columns = [c for c in re.split(r"\s{2,}", header) if c not in ("currency", "strategy")]
    missing = [c for c in columns if c.replace(" [95%]", "") not in named]
    assert not missing, f"columns without a legend: {missing}"


def test_a_verdict_line_per_comparison() -> None:
    block = to_table(report()).split("Verdicts:\n", 1)[1]
    verdicts = [line.strip() for line in block.strip().splitlines()]
    assert verdicts == [
        "USD exp1 challenger vs holdout: not enough data yet — $2.50 more recovered per debtor "
        "(always-valid 95 % interval -$18.04 to +$23.04), 2 vs 3 debtors; the smallest effect "
        "detectable now is $21.92 per debtor; detecting $2.50 needs more debtors than this "
        "volume.",
        "USD exp1 champion vs holdout: not enough data yet — $1.00 more recovered per debtor "
        "(always-valid 95 % interval -$10.69 to +$12.69), 4 vs 3 debtors; the smallest effect "
        "detectable now is $12.61 per debtor; detecting $1.00 needs more debtors than this "
        "volume.",
        "USD exp1 challenger vs champion: not enough data yet — +$1.50 per debtor "
        "(always-valid 95 % interval -$12.22 to +$15.22), 2 vs 4 debtors.",
    ]


@pytest.mark.parametrize(
    ("minor", "currency", "written"),
    [
        (250000, "MXN", "MX$2,500.00"),
        (250000, "USD", "$2,500.00"),
        (250000000, "COP", "COP 2,500,000.00"),
        (250000, "BRL", "R$2,500.00"),
        (2500, "CLP", "CLP 2,500"),  # no minor unit
        (-1234.56, "MXN", "-MX$12.35"),
    ],
)
def test_money_is_in_major_units_as_each_currency_is_written(
    minor: float, currency: str, written: str
) -> None:
    assert money(minor, currency) == written


def test_one_debtor_per_side_is_not_enough_data_yet() -> None:
    few = [
        (f"d{i}", s(arm, rec, cur="MXN"))
        for i, (arm, rec) in enumerate([("champion", 250000), ("holdout", 0)])
    ]
    text = to_table(compute_report("acme", few, ["arm"]))
    assert "MX$2,500.00" in text
    assert (
        "champion vs holdout: not enough data yet — MX$2,500.00 more recovered per debtor "
        "(too few debtors for an interval), 1 vs 1 debtors." in text
    )


def test_groups_where_nobody_paid_yet_have_no_interval_and_no_power_claim() -> None:
    """Once "R$0.00 (always-valid 95 % interval R$0.00 to R$0.00) ... the smallest effect
    detectable now is R$0.00": a certainty the data cannot give (the demo's first days)."""
    nobody = [
        (f"d{i}", s(arm, 0, cur="BRL")) for i, arm in enumerate(["champion"] * 5 + ["holdout"] * 2)
    ]
    report = compute_report("acme", nobody, ["arm"])
    vs = next(g for g in report.groups if g.arm == "champion").vs_holdout
    assert vs is not None
    assert (vs.incremental_recovered_per_debtor.status, vs.power) == ("no spread", None)
    assert vs.always_valid_per_debtor.low is None
    text = to_table(report)
    assert (
        "champion vs holdout: not enough data yet — R$0.00 more recovered per debtor (no "
        "interval yet: every debtor of both groups came to the same amount), 5 vs 2 debtors."
        in text
    )
    assert "smallest effect" not in text


def test_csv_has_one_flat_row_per_group_then_the_comparisons() -> None:
    blocks = to_csv(report()).split("\n\n")
    assert len(blocks) == 2
    groups = list(csv.DictReader(io.StringIO(blocks[0])))
    assert [g["arm"] for g in groups] == ["challenger", "champion", "holdout"]
    champ = groups[1]
    assert float(champ["vs_holdout.incremental_recovered_per_debtor.estimate"]) == 100
    assert champ["vs_holdout.incremental_recovered_per_debtor.status"] == "ok"
    assert groups[2]["vs_holdout.holdout_debtors"] == ""
    (cmp,) = csv.DictReader(io.StringIO(blocks[1]))
    assert float(cmp["recovered_per_debtor_diff.estimate"]) == 150


def test_too_early_says_what_would_detect_the_effect_and_ahead_says_nothing_more() -> None:
    # 600 treated and 40 holdout debtors enrolled over 30 days; contact adds $0.50
    # (too early) or $20 (ahead).
    day = 86400.0

    def debtor(i: int, arm: str, rec: int) -> tuple[str, OutcomeSummary]:
        values = {"arm": arm, "strat": "exp1", "cur": "USD", "owed": 10_000, "rec": rec}
        return f"d{i}", OutcomeSummary.model_validate(values | {"since": i % 30 * day, "n": 1})

    def book(lift: int) -> list[tuple[str, OutcomeSummary]]:
        treated = [debtor(i, "champion", (i % 10) * 100 + lift) for i in range(600)]
        holdout = [debtor(600 + i, "holdout", (i % 10) * 100) for i in range(40)]
        return treated + holdout

    early = to_table(compute_report("acme", book(lift=50), ["arm"]))
    line = early.split("Verdicts:\n", 1)[1].strip()
    assert "not enough data yet" in line
    assert "the smallest effect detectable now is $" in line
    assert line.endswith("more days at this volume would detect $0.50.")
    late = to_table(compute_report("acme", book(lift=2_000), ["arm"]))
    line = late.split("Verdicts:\n", 1)[1].strip()
    assert line.startswith("USD exp1 champion vs holdout: ahead — $20.00 more recovered")
    assert "detectable" not in line
