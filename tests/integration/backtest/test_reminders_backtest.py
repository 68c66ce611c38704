"""Reminders through the live path on event time: the bandit's chosen hour is
carried out, the holdout is never reminded, a payment stops what is held."""

from __future__ import annotations

import datetime as dt
import io
from importlib.resources import files
from pathlib import Path

import orjson
import pytest

from recaudo.backtest import Backtest
from recaudo.backtest.cli import backtest_settings
from recaudo.embedded import Managed
from recaudo.foundation.config import Settings
from recaudo.rules.policy import load_policy
from recaudo.simulator.prevention import PreventionConfig, PreventionWorld

pytestmark = pytest.mark.integration
START = dt.datetime(2026, 3, 2, 5, tzinfo=dt.UTC)
TENANT = "rem"


async def test_learned_reminders_run_end_to_end_and_skip_the_holdout(
    redis_server: Managed, tmp_path: Path
) -> None:
    text = files("recaudo.rules").joinpath("default_policy.toml").read_text(encoding="utf-8")
    text = text.replace("enabled = false ", "enabled = true ", 1)
    text = text.replace("holdout = 0.05", "holdout = 0.3", 1)
    (tmp_path / f"{TENANT}.toml").write_text(text, encoding="utf-8")
    world = PreventionWorld(40, 5, TENANT, START, PreventionConfig(days=12))
    out = io.BytesIO()
    settings = backtest_settings(Settings(), redis_server.url, TENANT, str(tmp_path))
    await Backtest(settings, world, start=START, days=12, decisions_out=out).run()
    decisions = [orjson.loads(line) for line in out.getvalue().splitlines()]
    reminders = [d for d in decisions if d["purpose"] == "reminder"]
    sent = [d for d in reminders if d["action"] == "contact"]
    assert sent, "current accounts were reminded"
    waited = {
        d["contact_id"] for d in reminders if d["reasons"][0]["rule_id"] == "strategy.best_hour"
    }
    assert waited & {d["contact_id"] for d in sent}, "an hour the bandit chose was kept"
    assert any(d["reasons"][0]["rule_id"] == "payment.covers_due" for d in reminders)
    policy = load_policy(tmp_path / f"{TENANT}.toml")
    held = {d["debtor_id"] for d in sent if policy.assign(TENANT, d["debtor_id"]).holdout}
    assert held == set(), "the holdout is never reminded"
    assert all(d["account_id"] and d["contact_id"] for d in sent), (
        "every reminder names its account and contact"
    )
