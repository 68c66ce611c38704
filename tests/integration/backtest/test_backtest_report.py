"""``recaudo backtest`` ends with what each policy recovered, side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from recaudo.backtest.cli import backtest
from recaudo.embedded import Managed
from tests.integration.backtest.policies import built_in, policy_folder

pytestmark = pytest.mark.integration
TENANT = "bt"


def policy(tmp_path: Path, name: str, holdout: float) -> str:
    """The built-in policy with a larger holdout (so every arm has a baseline)."""
    text = built_in()
    changed = text.replace("holdout = 0.05", f"holdout = {holdout}", 1)
    assert changed != text
    return policy_folder(tmp_path, name, TENANT, changed)


def invoke(redis_server: Managed, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("RECAUDO_REDIS_URL", redis_server.url)
    common = ["--simulate", "60", "--days", "4", "--seed", "5", "--tenant", TENANT]
    result = CliRunner().invoke(backtest, [*common, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_two_policies_and_a_policy_against_itself(
    redis_server: Managed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = policy(tmp_path, "A", holdout=0.3)
    b = policy(tmp_path, "B", holdout=0.5)
    out: dict[str, Any] = orjson.loads(
        invoke(redis_server, monkeypatch, "--format", "json", *("--policy", a) * 2, "--policy", b)
    )
    names = [p["policy"] for p in out["policies"]]
    assert names == ["A", "A#2", "B"]

    first = out["policies"][0]
    arms = {row["arm"] for row in first["outcome"]}
    assert "holdout" in arms
    assert arms - {"holdout"}, "treated arms against the holdout"
    assert first["reports"][0]["tenant_id"] == TENANT
    treated = [r for r in first["outcome"] if r["arm"] != "holdout"]
    assert sum(r["contacts"] for r in treated) == first["run"]["decisions"]["contact"]
    with_interval = [r for r in treated if r["incremental_recovered"]["status"] == "ok"]
    assert with_interval, "some arm has an interval against its holdout"
    for r in with_interval:
        d = r["incremental_recovered"]
        assert d["low"] <= d["estimate"] <= d["high"]
        assert r["true_incremental_recovered"] is not None, "a world also knows the truth"
        assert sum(r["contacts_by_channel"].values()) == r["contacts"]

    itself = [d for d in out["differences"] if d["policy"] == "A#2"]
    assert itself
    for d in itself:
        assert d["contacts_diff"] == 0
        assert d["true_recovered_diff"] == 0
        assert d["recovered_diff"] == {"estimate": 0.0, "low": 0.0, "high": 0.0, "status": "ok"}
    other = [d for d in out["differences"] if d["policy"] == "B"]
    assert {d["baseline"] for d in other} == {"A"}
    assert sum(d["contacts_diff"] for d in other) < 0, "a larger holdout contacts fewer"
    assert all(d["recovered_diff"]["status"] == "ok" for d in other if d["debtors"] >= 2)


def test_the_default_is_a_table_with_the_truth_beside_the_estimate(
    redis_server: Managed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = invoke(redis_server, monkeypatch, "--policy", policy(tmp_path, "A", holdout=0.3))
    assert "Outcome against the no-contact holdout" in out
    header = next(line for line in out.splitlines() if line.startswith("policy"))
    assert "incremental vs holdout [95%]" in header
    assert "true incremental" in header
    assert "paired by debtor" not in out, "one policy: nothing to compare"
