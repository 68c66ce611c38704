"""``recaudo backtest``: the live path on event time, deterministic, holdout untouched."""

from __future__ import annotations

import datetime as dt
import io
import math
import time
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import orjson
import pytest

from recaudo.backtest import Backtest, BacktestResult, EventLog
from recaudo.backtest.cli import backtest_settings
from recaudo.backtest.work_queue import TEAM
from recaudo.embedded import Managed
from recaudo.foundation.config import Settings
from recaudo.rules.policy import load_policy
from recaudo.simulator.agent_call import CallOutcome
from recaudo.simulator.world import World
from recaudo.streams.decision_stage import DecisionStage, Inbound, Prepared

pytestmark = pytest.mark.integration
START = dt.datetime(2026, 3, 2, 5, tzinfo=dt.UTC)
TENANT = "bt"


def policy_dir(tmp_path: Path, holdout: float) -> str:
    text = files("recaudo.rules").joinpath("default_policy.toml").read_text(encoding="utf-8")
    changed = text.replace("holdout = 0.05", f"holdout = {holdout}", 1)
    assert (changed != text) == (holdout != 0.05)
    (tmp_path / f"{TENANT}.toml").write_text(changed, encoding="utf-8")
    return str(tmp_path)


async def run(
    redis_server: Managed, folder: str, seed: int, days: float = 6
) -> tuple[BacktestResult, list[dict[str, Any]], World]:
    world = World(80, seed, TENANT, START)
    out = io.BytesIO()
    settings = backtest_settings(Settings(), redis_server.url, TENANT, folder)
    result = await Backtest(settings, world, start=START, days=days, decisions_out=out).run()
    decisions = [orjson.loads(line) for line in out.getvalue().splitlines()]
    return result, decisions, world


async def test_same_seed_same_decisions_and_the_holdout_is_never_contacted(
    redis_server: Managed, tmp_path: Path
) -> None:
    folder = policy_dir(tmp_path, holdout=0.3)
    first, decisions, world = await run(redis_server, folder, seed=7)
    again, _, _ = await run(redis_server, folder, seed=7)
    assert first.digest == again.digest, "same input and seed, same decisions"
    assert first.actions["contact"] > 10, "the portfolio was worked"
    assert 0 < first.sent <= first.actions["contact"], "refused addresses are not sent"

    policy = load_policy(Path(folder) / f"{TENANT}.toml")
    held = {
        d.debtor_id for d in world.truth().debtors if policy.assign(TENANT, d.debtor_id).holdout
    }
    assert held, "a 30 % holdout of 80 debtors holds some out"
    contacted = {d["debtor_id"] for d in decisions if d["action"] == "contact"}
    assert not held & contacted
    assert all(d.contacts == 0 for d in world.truth().debtors if d.debtor_id in held)
    holdout_steps = [d for d in decisions if d["arm"] == "holdout"]
    assert holdout_steps
    assert {d["action"] for d in holdout_steps} == {"suppress"}


async def test_every_logged_choice_has_probabilities_that_sum_to_one(
    redis_server: Managed, tmp_path: Path
) -> None:
    _, decisions, _ = await run(redis_server, policy_dir(tmp_path, holdout=0.05), seed=3)
    logged = [d for d in decisions if d["options"]]
    assert len(logged) > 10
    for d in logged:
        options = d["options"]
        assert isinstance(options, dict)
        assert math.isclose(sum(options.values()), 1.0, abs_tol=1e-9)
        taken = "skip" if d["action"] == "suppress" else d["channel"]
        assert d["propensity"] == options[taken]
        assert d["propensity"] > 0
    skips = [d for d in logged if d["action"] == "suppress"]
    assert all(d["reasons"][0]["rule_id"] == "strategy.skip" for d in skips)


async def test_a_dated_log_replays_through_the_same_path(
    redis_server: Managed, tmp_path: Path
) -> None:
    world = World(40, 5, TENANT, START)
    events = world.take_until(START + dt.timedelta(days=2))
    log_file = tmp_path / "events.ndjson"
    log_file.write_bytes(b"".join(orjson.dumps(e.model_dump(mode="json")) + b"\n" for e in events))
    settings = backtest_settings(
        Settings(), redis_server.url, TENANT, policy_dir(tmp_path, holdout=0.05)
    )
    result = await Backtest(settings, EventLog.read(log_file), start=START, days=2).run()
    assert result.inputs >= len(events)
    assert result.dead_letters == 0
    assert result.actions["contact"] + result.actions["defer"] > 0


async def test_a_slow_machine_decides_the_same_as_a_fast_one(
    redis_server: Managed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wall clock jumps two minutes before every batch of the second run, as on
    a machine too busy to keep up: a cache, window or expiry that aged by it would
    change what is decided (a segment prior cached for 30 wall seconds did)."""
    folder = policy_dir(tmp_path, holdout=0.05)
    fast, fast_decisions, fast_world = await run(redis_server, folder, seed=11)
    jumped = [0.0]
    real_time, real_monotonic = time.time, time.monotonic
    monkeypatch.setattr(time, "time", lambda: real_time() + jumped[0])
    monkeypatch.setattr(time, "monotonic", lambda: real_monotonic() + jumped[0])
    real_prepare = DecisionStage.prepare

    async def slow_prepare(stage: DecisionStage, records: Sequence[Inbound]) -> Prepared:
        jumped[0] += 120.0
        return await real_prepare(stage, records)

    monkeypatch.setattr(DecisionStage, "prepare", slow_prepare)
    slow, slow_decisions, slow_world = await run(redis_server, folder, seed=11)
    assert jumped[0] > 3600, "the wall clock really ran away"
    assert slow.digest == fast.digest
    assert (slow.sent, slow.contacts_by_channel) == (fast.sent, fast.contacts_by_channel)
    outcomes = [
        [(d.recovered_minor, d.opted_out, d.contacts) for d in w.truth().debtors]
        for w in (fast_world, slow_world)
    ]
    assert outcomes[0] == outcomes[1], "the same money recovered, the same opt-outs"
    assert len(slow_decisions) == len(fast_decisions)


async def test_a_simulated_team_closes_the_tasks_for_people_and_automation_resumes(
    redis_server: Managed, tmp_path: Path
) -> None:
    folder = policy_dir(tmp_path, holdout=0.05)

    async def backtest(team: int) -> tuple[BacktestResult, list[dict[str, Any]]]:
        out = io.BytesIO()
        settings = backtest_settings(Settings(), redis_server.url, TENANT, folder)
        result = await Backtest(
            settings,
            World(150, 5, TENANT, START),
            start=START,
            days=8,
            decisions_out=out,
            team_calls_per_day=team,
        ).run()
        return result, [orjson.loads(line) for line in out.getvalue().splitlines()]

    def closes(decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            r["params"] for d in decisions for r in d["reasons"] if r["rule_id"] == "task.closed"
        ]

    idle, idle_decisions = await backtest(team=0)
    assert idle.tasks_opened > 0, "the 90+ book and hardship replies open tasks"
    assert not idle.calls, "nobody works them"
    assert not closes(idle_decisions)
    worked, decisions = await backtest(team=40)
    made = sum(worked.calls.values())
    assert 0 < made <= worked.tasks_opened
    assert set(worked.calls) <= set(CallOutcome)
    closed = closes(decisions)
    assert closed
    assert all(c["by"] == TEAM for c in closed)
    assert {c["resolution"] for c in closed} <= set(CallOutcome)
