"""``recaudo backtest --events``: a lender's dated log, its own start and tenants, the
contacts a second policy changes, and its off-policy estimate where the lender's
decisions carry propensities."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from recaudo.backtest.cli import DEFAULT_START, backtest
from recaudo.backtest.diff import NO_COUNTERFACTUAL
from recaudo.backtest.offpolicy import NO_DECISIONS
from recaudo.embedded import Managed
from recaudo.models.offpolicy.cli import evaluate_command
from recaudo.simulator.cli import write_world_log
from tests.integration.backtest.policies import built_in, policy_folder

pytestmark = pytest.mark.integration
# Another tenant and month than the CLI's defaults (demo, DEFAULT_START): the run
# must find both in the log, or it finds no event and stops.
TENANT = "lender-x"
LOG_START = dt.datetime(2025, 11, 3, tzinfo=dt.UTC)
DAYS = 5
CADENCE_CHANNELS = (
    'channels = ["sms", "email", "whatsapp"]',
    'channels = ["whatsapp", "sms", "voice", "email"]',
    'channels = ["voice", "email", "sms"]',
    'channels = ["whatsapp", "sms"]',
)


@pytest.fixture(scope="module")
def event_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulator's dated log (what `recaudo simulate --events-out` writes)."""
    path = tmp_path_factory.mktemp("log") / "lender.ndjson"
    with path.open("wb") as out:
        assert write_world_log(40, 3, TENANT, LOG_START, DAYS, out) > 0
    return path


def policy(tmp_path: Path, name: str, email_only: bool = False) -> str:
    """The built-in policy; ``email_only``: every collection step on e-mail alone."""
    text = built_in()
    if email_only:
        for line in CADENCE_CHANNELS:
            assert text.count(line) == 1
            text = text.replace(line, 'channels = ["email"]')
    return policy_folder(tmp_path, name, TENANT, text)


def invoke(redis_server: Managed, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("RECAUDO_REDIS_URL", redis_server.url)
    result = CliRunner().invoke(backtest, ["--quiet", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def read(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_the_log_gives_its_own_start_and_tenants(
    redis_server: Managed, event_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = read(event_log)
    assert {e["tenant_id"] for e in events} == {TENANT}
    first = min(dt.datetime.fromisoformat(e["occurred_at"]) for e in events)
    assert first.date() != dt.datetime.fromisoformat(DEFAULT_START).date()
    a, b = policy(tmp_path, "A"), policy(tmp_path, "B", email_only=True)
    args = ["--events", str(event_log), "--days", str(DAYS), "--policy", a, "--policy", b]

    out: dict[str, Any] = orjson.loads(invoke(redis_server, monkeypatch, *args, "--format", "json"))
    for run in out["policies"]:
        assert dt.datetime.fromisoformat(run["run"]["start"]) == first
        assert run["run"]["inputs"] >= len(events), "every event of the log was read"
        assert run["run"]["decisions"].get("contact", 0) > 0, "the log's tenant was decided"
        assert run["run"]["dead_letters"] == 0
        assert {r["tenant_id"] for r in run["reports"]} == {TENANT}
    assert [(c["policy"], c["baseline"]) for c in out["contact_changes"]] == [("B", "A")]

    table = invoke(redis_server, monkeypatch, *args)
    assert NO_COUNTERFACTUAL in table
    assert "recovered diff" not in table, "a log compares contacts, not recoveries"
    assert any(line.split()[:2] == ["B", "A"] for line in table.splitlines())


def test_a_second_policy_on_other_channels_adds_and_removes_contacts(
    redis_server: Managed, event_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = policy(tmp_path, "A"), policy(tmp_path, "B", email_only=True)
    out: dict[str, Any] = orjson.loads(
        invoke(
            redis_server,
            monkeypatch,
            *("--events", str(event_log), "--days", str(DAYS), "--format", "json"),
            *("--policy", a, "--policy", b),
        )
    )
    [change] = out["contact_changes"]
    added, removed = change["added"], change["removed"]
    assert added > 0, "e-mails where A wrote on another channel"
    assert removed > 0, "A's SMS, WhatsApp and calls are gone"
    base, other = (p["run"]["decisions"]["contact"] for p in out["policies"])
    assert added - removed == other - base
    for split in ("by_channel", "by_hour", "by_rule"):
        assert sum(x for x, _ in change[split].values()) == added, split
        assert sum(x for _, x in change[split].values()) == removed, split
    assert all(x == 0 for ch, (x, _) in change["by_channel"].items() if ch != "email")
    assert sum(x for ch, (_, x) in change["by_channel"].items() if ch != "email") > 0
    assert change["moved"] <= min(added, removed)
    assert 0 < change["debtors_affected"] <= added + removed
    channels = {ch for r in out["policies"][1]["outcome"] for ch in r["contacts_by_channel"]}
    assert channels == {"email"}


def test_the_off_policy_estimate_is_recaudo_evaluates_where_the_log_has_propensities(
    redis_server: Managed, event_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = policy(tmp_path, "A"), policy(tmp_path, "B", email_only=True)
    log = ("--events", str(event_log), "--days", str(DAYS))
    decisions = tmp_path / "decisions.ndjson"
    invoke(redis_server, monkeypatch, *log, "--policy", a, "--decisions-out", str(decisions))
    logged = [d for d in read(decisions) if d["options"]]
    assert logged, "the built-in policy explores, so its decisions log propensities"
    both = ("--policy", a, "--policy", b)

    out = orjson.loads(
        invoke(
            redis_server,
            monkeypatch,
            *log,
            *both,
            "--decisions",
            str(decisions),
            "--format",
            "json",
        )
    )
    assert out["off_policy"]["note"] is None
    [estimate] = out["off_policy"]["estimates"]
    assert (estimate["policy"], estimate["baseline"], estimate["tenant_id"]) == ("B", "A", TENANT)
    evaluated = CliRunner().invoke(
        evaluate_command,
        [
            *("--policy", str(Path(b) / f"{TENANT}.toml"), "--decisions", str(decisions)),
            *("--events", str(event_log), "--format", "json"),
        ],
        catch_exceptions=False,
    )
    assert evaluated.exit_code == 0, evaluated.output
    assert estimate["evaluate"] == orjson.loads(evaluated.output)
    report = estimate["evaluate"]
    assert report["records"] == len(logged)
    assert report["evaluated"] + report["unsupported"] == len(logged)
    assert report["ess"] > 0
    for kind in ("ips", "snips", "dr"):
        assert report[kind]["low"] <= report[kind]["value"] <= report[kind]["high"], kind

    table = invoke(redis_server, monkeypatch, *log, *both, "--decisions", str(decisions))
    assert "Off-policy estimate (as `recaudo evaluate`)" in table
    row = next(line for line in table.splitlines() if line.split()[:3] == ["B", "A", TENANT])
    assert f"{report['ess']:,.1f}" in row
    assert NO_DECISIONS not in table

    without = invoke(redis_server, monkeypatch, *log, *both)
    assert NO_DECISIONS in without.splitlines()
    assert "Off-policy estimate (as" not in without

    bare = tmp_path / "no-propensities.ndjson"
    bare.write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in read(decisions) if not d["options"]))
    plain = invoke(redis_server, monkeypatch, *log, *both, "--decisions", str(bare))
    [line] = [x for x in plain.splitlines() if x.startswith("Off-policy estimate")]
    assert line.startswith(f"Off-policy estimate: none, {bare.name} carries no propensities")
