"""``recaudo backtest --decisions``: refused where it cannot mean anything, and a bad
decisions log stops the backtest before any policy runs (no Redis is reached)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from recaudo.backtest.cli import backtest
from recaudo.backtest.offpolicy import NO_DECISIONS, off_policy


def test_without_a_decisions_log_the_estimate_is_one_plain_line() -> None:
    at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    off = off_policy(None, [("A", None), ("B", None)], ["t"], at, at)
    assert (off.note, off.estimates) == (NO_DECISIONS, ())
    assert "\n" not in NO_DECISIONS


def test_decisions_need_a_log_and_a_second_policy(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_bytes(b"")
    decisions = tmp_path / "decisions.ndjson"
    decisions.write_bytes(b"")
    (tmp_path / "A").mkdir()
    runner = CliRunner()
    world = runner.invoke(backtest, ["--simulate", "5", "--decisions", str(decisions)])
    assert world.exit_code == 2
    assert "--decisions goes with --events" in world.output
    one = runner.invoke(
        backtest,
        ["--events", str(events), "--decisions", str(decisions), "--policy", str(tmp_path / "A")],
    )
    assert one.exit_code == 2
    assert "each --policy after the first" in one.output


def test_a_malformed_decision_stops_the_backtest_naming_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing answers there: reaching Redis (running a policy) would fail otherwise.
    monkeypatch.setenv("RECAUDO_REDIS_URL", "redis://127.0.0.1:1/0")
    event = {
        "event_id": "p1",
        "tenant_id": "t",
        "occurred_at": "2026-03-02T05:00:00Z",
        "debtor_id": "d1",
        "type": "payment",
        "payment_id": "p1",
        "account_id": "a1",
        "amount": {"amount_minor": 100, "currency": "COP"},
        "method": "cash",
        "paid_at": "2026-03-02T05:00:00Z",
    }
    events = tmp_path / "events.ndjson"
    events.write_bytes(orjson.dumps(event) + b"\n")
    decisions = tmp_path / "decisions.ndjson"
    decisions.write_bytes(b'{"decision_id": "x"}\n{not json\n')
    for name in ("A", "B"):
        (tmp_path / name).mkdir()
    result = CliRunner().invoke(
        backtest,
        [
            *("--events", str(events), "--decisions", str(decisions)),
            *("--policy", str(tmp_path / "A"), "--policy", str(tmp_path / "B")),
        ],
    )
    assert result.exit_code == 2
    assert f"{decisions}:1" in result.output
