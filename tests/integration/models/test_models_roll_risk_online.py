"""The roll-risk model in the live learner, against real Redis: workers' labels add
up in the shared checkpoint, and with ``ranking = "risk"`` a customer below
``min_risk`` gets no reminder, audited with the score."""

from __future__ import annotations

import datetime as dt
import random
from importlib.resources import files
from pathlib import Path
from typing import cast

import pytest
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from recaudo.contracts.outputs import Action
from recaudo.contracts.ports import Outcome
from recaudo.foundation.keys import Keys
from recaudo.models import CheckpointStore
from recaudo.models.online import ROLL_CHECKPOINT_EVERY, OnlineLearning
from recaudo.models.roll_risk import WARM_LABELS, RollFeatures, RollRiskModel
from recaudo.rules.tenants import TenantPolicies
from recaudo.streams.decision.decider import Decider
from recaudo.streams.state import DebtorState
from recaudo.streams.wiring import RulesCompliance
from tests.integration.models.test_models_online import learning
from tests.unit.streams.test_decide import run
from tests.unit.streams.test_reminders import current

pytestmark = pytest.mark.integration


def _points(rng: random.Random, n: int) -> list[tuple[str, str, Outcome]]:
    """Due dates that resolved: five days ahead rarely rolls, the due date itself often."""
    out = []
    for _ in range(n):
        days = rng.choice((0, 5))
        f = RollFeatures(days, 12_000, 0, 0, None, 3, False)
        rolled = rng.random() < (0.05 if days == 5 else 0.6)
        out.append(("acme", "d", Outcome("roll", ([f], rolled))))
    return out


async def test_two_workers_labels_add_up_in_the_shared_model(
    redis: aioredis.Redis, keys: Keys
) -> None:
    rng = random.Random(11)
    first = learning(redis, keys, CollectorRegistry())
    second = learning(redis, keys, CollectorRegistry())
    await first.before_batch([("acme", None)])
    await second.before_batch([("acme", None)])
    await first.after_commit(_points(rng, ROLL_CHECKPOINT_EVERY))
    await second.after_commit(_points(rng, ROLL_CHECKPOINT_EVERY + 10))
    stored = await CheckpointStore(redis, keys).load("acme", "roll_risk", RollRiskModel.from_json)
    assert stored is not None
    assert stored.n_seen == 2 * ROLL_CHECKPOINT_EVERY + 10, "neither worker's labels lost"
    assert stored.generation == 2


def _risk_decider(folder: Path, learner: OnlineLearning) -> Decider:
    text = files("recaudo.rules").joinpath("default_policy.toml").read_text(encoding="utf-8")
    text = text.replace("enabled = false ", "enabled = true ", 1)
    text = text.replace('timing = "learned"', 'timing = "fixed"', 1)
    text = text.replace('ranking = "all"', 'ranking = "risk"', 1)
    text = text.replace("min_risk = 0.0 ", "min_risk = 0.3 ", 1)
    text = text.replace("holdout = 0.05", "holdout = 0.0", 1)
    (folder / "acme.toml").write_text(text, encoding="utf-8")
    policies = TenantPolicies(["acme"], str(folder))
    return Decider(
        policy_for=policies,
        compliance=RulesCompliance(policies),
        learner=learner,
        contact_ttl=dt.timedelta(hours=24),
    )


async def test_a_low_risk_customer_is_not_reminded_and_the_audit_says_why(
    redis: aioredis.Redis, keys: Keys, tmp_path: Path
) -> None:
    rng = random.Random(5)
    trained = RollRiskModel()
    for _, _, outcome in _points(rng, WARM_LABELS + 200):
        [features], rolled = cast(tuple[list[RollFeatures], bool], outcome.payload)
        trained.learn(features, rolled)
    await CheckpointStore(redis, keys).save("acme", trained, trained.checkpoint())
    learner = learning(redis, keys, CollectorRegistry())
    await learner.before_batch([("acme", None)])
    decider, state = _risk_decider(tmp_path, learner), DebtorState()

    # Five days ahead (10:00 New York): the -5 step is due, and the risk is low.
    fx = run(decider, state, current())
    assert fx.contacts == []
    skipped = next(d for d in fx.decisions if d.action == Action.SUPPRESS)
    assert skipped.purpose == "reminder"
    [reason] = skipped.reasons
    assert reason.rule_id == "reminder.low_risk"
    score = reason.params["score"]
    assert isinstance(score, float)
    assert score < 0.3
    assert skipped.scores["roll_risk"] == score
    assert skipped.model_versions["roll_risk"] == trained.version
    held = next(d for d in fx.decisions if d.action == Action.DEFER)
    assert held.scores["roll_risk"] == score, "every reminder decision carries the score"
    assert state.rem is not None
    assert state.rem.pts == [5]

    # Paid on time: the next snapshot shows nothing due, and the point is labelled 0.
    paid = run(
        decider, state, current("acct-c2", amount_due={"amount_minor": 0, "currency": "USD"})
    )
    [label] = [o for o in paid.outcomes if o.kind == "roll"]
    [point], on_time = cast(tuple[list[RollFeatures], bool], label.payload)
    assert (point.days_to_due, point.amount_due_minor, on_time) == (5, 12_000, False)
    assert state.rem.pts == []


async def test_an_untrained_model_reminds_everyone_and_a_roll_is_labelled_1(
    redis: aioredis.Redis, keys: Keys, tmp_path: Path
) -> None:
    learner = learning(redis, keys, CollectorRegistry())
    await learner.before_batch([("acme", None)])
    decider, state = _risk_decider(tmp_path, learner), DebtorState()
    fx = run(decider, state, current())
    [contact] = fx.contacts
    assert contact.purpose == "reminder"
    sent = next(d for d in fx.decisions if d.action == Action.CONTACT)
    assert 0.2 < sent.scores["roll_risk"] < 0.3, "below min_risk, but the model is cold"
    assert sent.model_versions["roll_risk"] == "roll_risk-v0@init"
    late = current(
        "acct-late",
        status="delinquent",
        days_past_due=1,
        occurred_at="2026-11-24T15:00:00Z",
    )
    rolled = run(decider, state, late, now=dt.datetime(2026, 11, 24, 15, tzinfo=dt.UTC))
    [label] = [o for o in rolled.outcomes if o.kind == "roll"]
    [point], outcome = cast(tuple[list[RollFeatures], bool], label.payload)
    assert (point.days_to_due, outcome) == (5, True)
    before = learner.roll_risk("acme", state, 5)
    await learner.after_commit([("acme", "d1", label)])
    after = learner.roll_risk("acme", state, 5)
    assert before is not None
    assert after is not None
    assert after.score > before.score, "learned from the roll"
    assert after.version == "roll_risk-v0@init+1"
