"""The roll-risk model: learns a known separation, merges two workers' updates by
adding them, round-trips its checkpoint, and reads its features from the state."""

from __future__ import annotations

import math
import random

import orjson
import pytest
from river import metrics

from recaudo.contracts.events import Channel
from recaudo.contracts.state import PointState, RollSummary
from recaudo.foundation.errors import ModelStateError
from recaudo.models.roll_risk import WARM_LABELS, RollFeatures, RollRiskModel
from recaudo.streams.state import DebtorState


def _truth(f: RollFeatures) -> float:
    """Unpaid close to the due date, or a history of rolls: likely to roll."""
    share = f.rolled / f.cycles if f.cycles else 0.0
    logit = -2.0 + (1.6 if f.days_to_due <= 1 else 0.0) + 2.5 * share
    return 1 / (1 + math.exp(-logit))


def _example(rng: random.Random) -> tuple[RollFeatures, bool]:
    cycles = rng.randint(0, 8)
    f = RollFeatures(
        days_to_due=rng.choice((0, 1, 5)),
        amount_due_minor=rng.randint(5_000, 90_000),
        cycles=cycles,
        rolled=rng.randint(0, cycles),
        segment=rng.choice(("k1", "k2", None)),
        reachable=rng.randint(1, 3),
        payday=rng.random() < 0.3,
    )
    return f, rng.random() < _truth(f)


def test_learns_a_known_separation() -> None:
    rng = random.Random(7)
    model = RollRiskModel()
    for _ in range(4000):
        model.learn(*_example(rng))
    auc, oracle = metrics.ROCAUC(), metrics.ROCAUC()
    for _ in range(2000):
        f, y = _example(rng)
        auc.update(y, model.score(f))
        oracle.update(y, _truth(f))
    assert auc.get() > oracle.get() - 0.03
    calm = RollFeatures(5, 20_000, 6, 0, "k1", 3, False)
    risky = RollFeatures(0, 20_000, 6, 5, "k1", 3, False)
    assert model.score(calm) < 0.25 < 0.5 < model.score(risky)
    assert model.warm


def test_untrained_it_says_about_a_quarter_and_ranks_no_one_out() -> None:
    model = RollRiskModel()
    assert 0.2 < model.score(RollFeatures(3, 10_000, 0, 0, None, 2, False)) < 0.35
    assert not model.warm
    assert WARM_LABELS > 0


def test_the_merge_adds_two_workers_updates() -> None:
    rng = random.Random(3)
    base = RollRiskModel()
    body = base.checkpoint()
    first, second = RollRiskModel.from_json(body), RollRiskModel.from_json(body)
    for _ in range(150):
        first.learn(*_example(rng))
        second.learn(*_example(rng))
    start = orjson.loads(body)
    shared = first.merged_with(None)
    shared = RollRiskModel.from_json(shared.checkpoint())
    merged = second.merged_with(shared)
    got = merged.params()
    mine, theirs = first.params(), second.params()
    assert got["n_seen"] == 300, "both workers' labels count"
    expected = mine["intercept"] + theirs["intercept"] - start["intercept"]
    assert got["intercept"] == pytest.approx(expected)
    for name in mine["weights"].keys() | theirs["weights"].keys():
        delta = mine["weights"].get(name, 0.0) + theirs["weights"].get(name, 0.0)
        assert got["weights"][name] == pytest.approx(delta), name
    assert merged.generation == shared.generation


def test_checkpoint_round_trip_and_refusals() -> None:
    rng = random.Random(1)
    model = RollRiskModel()
    for _ in range(50):
        model.learn(*_example(rng))
    assert model.version == "roll_risk-v0@init+50"
    body = model.checkpoint()
    back = RollRiskModel.from_json(body)
    assert back.version == model.version
    assert back.to_json() == body
    f, _ = _example(rng)
    assert back.score(f) == model.score(f)
    with pytest.raises(ModelStateError):
        RollRiskModel.from_json(orjson.dumps(orjson.loads(body) | {"kind": "propensity"}))


def test_features_come_from_the_roll_summary_without_the_current_due_date() -> None:
    state = DebtorState(
        seg="k2",
        points=[
            PointState(ch=Channel.SMS, addr="+1", consent=True),
            PointState(ch=Channel.EMAIL, addr="a@b", consent=True, out=True),
        ],
        rem=RollSummary(cyc="2026-11-15", c=4, l1=2, f1=True, amt=12_000),
    )
    assert state.rem is not None
    f = RollFeatures.of(state, state.rem, 2)
    assert f == RollFeatures(2, 12_000, 3, 1, "k2", 1, True)
    assert f.to_x()["days=2"] == 1.0
