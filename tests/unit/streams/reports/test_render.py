"""The CLI's renderings carry the same figures as the report."""

from __future__ import annotations

import csv
import io

import orjson

from recaudo.streams.reports.model import OutcomeReport
from recaudo.streams.reports.outcomes import compute_report
from recaudo.streams.reports.render import to_csv, to_json, to_table
from tests.unit.streams.reports.test_outcomes import portfolio


def report() -> OutcomeReport:
    return compute_report("acme", portfolio(), ["arm", "channel"], generated_at=1.0)


def test_json_round_trips_to_the_model() -> None:
    r = report()
    assert OutcomeReport.model_validate(orjson.loads(to_json(r))) == r


def test_table_is_readable() -> None:
    text = to_table(report())
    assert text.startswith("Outcomes for tenant acme: 9 enrolled debtors")
    champion = next(line for line in text.splitlines() if " champion " in line)
    assert "100.0 [-38.6, 238.6]" in champion  # incremental per debtor and its interval
    assert "15.0%" in champion  # recovery rate
    assert "Challenger vs champion" in text
    assert "By channel" not in text  # the portfolio records no channels


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
