"""``recaudo evaluate`` on a small log whose estimates can be worked out by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from recaudo.cli import main
from recaudo.models.offpolicy import SKIP
from tests.unit.models.offpolicy_data import T0, decision, payment, policy_toml

DAY = dt.timedelta(days=1)
HALF = {"sms": 0.5, SKIP: 0.5}


def ndjson(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Four choices, half contacted; the cadence challenger always sends sms (w = 2 or 0)."""
    audit = decision("d0", {}, "sms").model_copy(update={"options": {}, "propensity": None})
    decisions = [
        decision(f"d{i}", HALF, taken, debtor_id=f"debtor{i}", account_id=f"acct{i}")
        for i, taken in enumerate(("sms", SKIP, "sms", SKIP), start=1)
    ]
    log = [d.model_dump(mode="json") for d in (audit, *decisions)]
    log.append(payment("p1", T0 + DAY, 100, debtor_id="debtor1").model_dump(mode="json"))
    events = [
        payment("p2", T0 + DAY, 40, debtor_id="debtor2", account_id="acct2"),
        payment("p3", T0 + 8 * DAY, 999, debtor_id="debtor3", account_id="acct3"),  # too late
    ]
    pol = tmp_path / "challenger.toml"
    pol.write_text(policy_toml("cadence"), encoding="utf-8")
    return (
        pol,
        ndjson(tmp_path / "decisions.ndjson", log),
        ndjson(tmp_path / "events.ndjson", [e.model_dump(mode="json") for e in events]),
    )


def test_evaluate_json(files: tuple[Path, Path, Path]) -> None:
    pol, decisions, events = files
    args = ["evaluate", "--policy", str(pol), "--decisions", str(decisions)]
    result = CliRunner().invoke(main, [*args, "--events", str(events), "--format", "json"])
    assert result.exit_code == 0, result.output
    out = orjson.loads(result.output)
    assert (out["records"], out["evaluated"], out["unsupported"]) == (4, 4, 0)
    assert out["decisions_without_options"] == 1
    assert out["payments"] == 3
    assert out["logged_per_decision"] == pytest.approx((100 + 40) / 4)
    assert out["logged_per_contact"] == pytest.approx((100 + 40) / 2)
    assert out["ips"]["value"] == pytest.approx(2 * 100 / 4)
    assert out["ips_per_contact"]["value"] == pytest.approx(2 * 100 / (2 + 2))
    assert out["contact_rate"] == 1.0
    assert out["ess"] == pytest.approx((2 + 2) ** 2 / (2**2 + 2**2))
    assert out["logging_ips_check"]["per_decision"]["value"] == pytest.approx(35.0)
    assert out["dr"]["low"] <= out["dr"]["value"] <= out["dr"]["high"]


def test_evaluate_table(files: tuple[Path, Path, Path]) -> None:
    pol, decisions, events = files
    args = ["evaluate", "--policy", str(pol), "--decisions", str(decisions)]
    result = CliRunner().invoke(main, [*args, "--events", str(events), "--window-days", "10"])
    assert result.exit_code == 0, result.output
    assert "challenger@test (cadence)" in result.output
    assert "logging policy (observed)" in result.output
    # With a 10-day window the late payment counts: 100 + 40 + 999 over 4 decisions.
    assert "284.75" in result.output
    for row in ("challenger IPS", "challenger SNIPS", "challenger DR"):
        assert row in result.output


def test_several_tenants_need_a_choice(files: tuple[Path, Path, Path], tmp_path: Path) -> None:
    pol, decisions, _ = files
    other = decision("z1", HALF, "sms").model_copy(update={"tenant_id": "zeta"})
    mixed = tmp_path / "mixed.ndjson"
    mixed.write_bytes(decisions.read_bytes() + orjson.dumps(other.model_dump(mode="json")) + b"\n")
    args = ["evaluate", "--policy", str(pol), "--decisions", str(mixed), "--format", "json"]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2
    assert "several tenants (acme, zeta)" in refused.output
    chosen = CliRunner().invoke(main, [*args, "--tenant", "zeta"])
    assert chosen.exit_code == 0, chosen.output
    assert orjson.loads(chosen.output)["records"] == 1


def test_bad_probabilities_exit_2_naming_the_decision(tmp_path: Path) -> None:
    pol = tmp_path / "challenger.toml"
    pol.write_text(policy_toml("cadence"), encoding="utf-8")
    bad = decision("d-odd", {"sms": 0.7, SKIP: 0.7}, "sms").model_dump(mode="json")
    log = ndjson(tmp_path / "d.ndjson", [bad])
    result = CliRunner().invoke(main, ["evaluate", "--policy", str(pol), "--decisions", str(log)])
    assert result.exit_code == 2
    assert "decision d-odd" in result.output
    assert "sum to 1.4" in result.output
