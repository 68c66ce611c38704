"""Every learner in ``models`` through one contract, river ``check_estimator`` style.

On fresh state it predicts (no crash, no NaN); after learning its predictions
stay finite and in range; the same seed gives the same model; a model whose
state has a codec round-trips through it and predicts the same afterwards.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from recaudo.contracts.events import Channel, Intent
from recaudo.models import (
    ChannelBandit,
    ContactFeatures,
    IntentClassifier,
    OnlineSegmenter,
    PropensityModel,
    RollFeatures,
    RollRiskModel,
)
from recaudo.models.bandit import DebtorArms
from recaudo.models.offpolicy.direct import RewardModel
from recaudo.models.shared_linear import SharedLogistic
from recaudo.models.slots import N_SLOTS
from recaudo.models.uplift import Context, UpliftModel
from tests.contracts.discovery import classes, names

LEARNING = {"learn", "learn_one", "learn_x", "learn_many", "learn_assign", "update", "fit"}
STEPS = 60


@dataclass(frozen=True)
class LearnerCase:
    cls: type
    fresh: Callable[[], Any]
    #: One learning step from the seeded ``rng``; returns the (new) learner.
    learn: Callable[[Any, random.Random], Any]
    predict: Callable[[Any], list[float]]
    low: float = 0.0
    high: float = 1.0
    dump: Callable[[Any], bytes] | None = None
    load: Callable[[bytes], Any] | None = None

    @property
    def id(self) -> str:
        return self.cls.__name__


# --- ChannelBandit: per-debtor Beta counts, passed in and returned.
BANDIT = ChannelBandit(max_count=16)


def _bandit_learn(state: DebtorArms, rng: random.Random) -> DebtorArms:
    channel = rng.choice(list(Channel))
    return BANDIT.update(state, channel, rng.randrange(N_SLOTS), rng.random() < 0.3)


def _bandit_predict(state: DebtorArms) -> list[float]:
    means = [float(v) for v in BANDIT.posterior_mean(state)]
    probabilities = BANDIT.probabilities(state, None, None, rng_seed="contract", draws=64)
    return [*means, *probabilities.values(), sum(probabilities.values())]


# --- IntentClassifier: naive Bayes over words.
TEXTS = {
    Intent.PROMISE_TO_PAY: ["pago el viernes", "te pago mañana", "I will pay on Friday"],
    Intent.DISPUTE: ["no reconozco esa deuda", "this is not my debt"],
    Intent.HARDSHIP: ["perdí mi trabajo", "I lost my job"],
}
PROBES = ["pago mañana", "no es mi deuda", "hola", "", "¿¿??"]


def _intent_learn(model: IntentClassifier, rng: random.Random) -> IntentClassifier:
    intent = rng.choice(list(TEXTS))
    model.learn(rng.choice(TEXTS[intent]), intent)
    return model


def _intent_predict(model: IntentClassifier) -> list[float]:
    out = []
    for text in PROBES:
        intent, p = model.predict(text)
        assert isinstance(intent, Intent)
        out.append(p)
    return out


# --- Shared logistic models: propensity to pay and roll risk.
def _contact(rng: random.Random) -> ContactFeatures:
    return ContactFeatures(
        days_past_due=rng.randrange(0, 200),
        balance_minor=rng.randrange(1, 10**7),
        amount_due_minor=rng.randrange(1, 10**6),
        contacts_so_far=rng.randrange(0, 20),
        channel=rng.choice(list(Channel)),
        slot=rng.randrange(N_SLOTS),
        segment=rng.choice([None, "k0", "k1"]),
        promises_broken=rng.randrange(0, 3),
    )


def _roll(rng: random.Random) -> RollFeatures:
    return RollFeatures(
        days_to_due=rng.randrange(0, 10),
        amount_due_minor=rng.randrange(1, 10**6),
        cycles=rng.randrange(0, 12),
        rolled=rng.randrange(0, 3),
        segment=rng.choice([None, "k0"]),
        reachable=rng.randrange(0, 4),
        payday=rng.random() < 0.5,
    )


def _propensity_learn(model: PropensityModel, rng: random.Random) -> PropensityModel:
    model.learn(_contact(rng), rng.random() < 0.2)
    return model


def _propensity_predict(model: PropensityModel) -> list[float]:
    rng = random.Random(99)
    return [model.score(_contact(rng)) for _ in range(8)]


def _roll_learn(model: RollRiskModel, rng: random.Random) -> RollRiskModel:
    model.learn(_roll(rng), rng.random() < 0.3)
    return model


def _roll_predict(model: RollRiskModel) -> list[float]:
    rng = random.Random(99)
    return [model.score(_roll(rng)) for _ in range(8)]


def _shared_learn(model: SharedLogistic, rng: random.Random) -> SharedLogistic:
    model.learn_x({"a": rng.random(), "b": rng.random() * 10}, rng.random() < 0.4)
    return model


def _shared_predict(model: SharedLogistic) -> list[float]:
    return [model.score_x({"a": a, "b": b}) for a in (0.0, 0.5, 1.0) for b in (0.0, 9.0)]


# --- OnlineSegmenter: k-means over days past due and balance; predicts a segment index.
def _segment_learn(model: OnlineSegmenter, rng: random.Random) -> OnlineSegmenter:
    model.learn_assign(rng.randrange(0, 300), rng.randrange(1, 10**7))
    return model


def _segment_predict(model: OnlineSegmenter) -> list[float]:
    out = []
    for dpd, balance in ((0, 100), (30, 50_000), (120, 5_000_000), (365, 10**8)):
        segment = model.assign(dpd, balance)
        assert segment.startswith("k")
        out.append(float(segment[1:]))
    return out


# --- UpliftModel: built from faded sums (the Redis side adds observations).
UpliftSums = dict[str, list[float]]
CONTEXTS = [
    Context(d, a, c, p, "_") for d in (0, 2) for a in (0, 1) for c in (0, 1) for p in (False, True)
]


def _uplift_learn(sums: UpliftSums, rng: random.Random) -> UpliftSums:
    key = rng.choice(CONTEXTS).key
    acc = sums.setdefault(key, [0.0, 0.0, 0.0, 0.0])
    treated = rng.random() < 0.5
    paid = float(rng.random() < 0.3)
    acc[0 if treated else 2] += 1
    acc[1 if treated else 3] += paid
    return sums


def _uplift_predict(sums: UpliftSums) -> list[float]:
    model = UpliftModel(sums)
    out = []
    for context in CONTEXTS:
        estimate = model.estimate(context)
        out += [estimate.treated, estimate.control]
    return out


# --- RewardModel (off-policy direct method): fitted on the logged rows so far.
Rows = list[tuple[dict[str, Any], str, float]]


def _reward_learn(rows: Rows, rng: random.Random) -> Rows:
    amount = float(rng.randrange(100, 10_000))
    paid = amount if rng.random() < 0.3 else 0.0
    rows.append(
        (
            {"dpd": rng.randrange(0, 200), "amount_due_minor": amount},
            rng.choice(["sms", "email", "none"]),
            paid,
        )
    )
    return rows


def _reward_predict(rows: Rows) -> list[float]:
    model = RewardModel().fit(rows)
    return [model.rate({"dpd": d}, o) for d in (0, 45, 400) for o in ("sms", "email", "none")]


CASES: list[LearnerCase] = [
    LearnerCase(
        ChannelBandit,
        lambda: DebtorArms.empty(),
        _bandit_learn,
        _bandit_predict,
        dump=BANDIT.encode,
        load=BANDIT.decode,
    ),
    LearnerCase(
        IntentClassifier,
        lambda: IntentClassifier(seed=False),
        _intent_learn,
        _intent_predict,
        dump=lambda m: m.to_json(),
        load=IntentClassifier.from_json,
    ),
    LearnerCase(
        PropensityModel,
        PropensityModel,
        _propensity_learn,
        _propensity_predict,
        dump=lambda m: m.to_json(),
        load=PropensityModel.from_json,
    ),
    LearnerCase(
        RollRiskModel,
        RollRiskModel,
        _roll_learn,
        _roll_predict,
        dump=lambda m: m.to_json(),
        load=RollRiskModel.from_json,
    ),
    LearnerCase(
        SharedLogistic,
        SharedLogistic,
        _shared_learn,
        _shared_predict,
        dump=lambda m: m.to_json(),
        load=SharedLogistic.from_json,
    ),
    LearnerCase(
        OnlineSegmenter,
        OnlineSegmenter,
        _segment_learn,
        _segment_predict,
        high=3.0,
        dump=lambda m: m.to_json(),
        load=OnlineSegmenter.from_json,
    ),
    LearnerCase(
        UpliftModel, dict, _uplift_learn, _uplift_predict, dump=orjson.dumps, load=orjson.loads
    ),
    LearnerCase(RewardModel, list, _reward_learn, _reward_predict),
]
IDS = [case.id for case in CASES]


def _is_learner(cls: type) -> bool:
    return bool(LEARNING & set(dir(cls))) or "version" in dir(cls)


def test_every_learner_is_in_the_suite() -> None:
    assert names(classes("recaudo.models", _is_learner)) == names({case.cls for case in CASES})


def trained(case: LearnerCase, seed: int, steps: int = STEPS) -> Any:
    rng = random.Random(seed)
    model = case.fresh()
    for _ in range(steps):
        model = case.learn(model, rng)
    return model


def check_range(case: LearnerCase, predictions: list[float]) -> None:
    assert predictions
    for p in predictions:
        assert math.isfinite(p), predictions
        assert case.low <= p <= case.high, predictions


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fresh_state_predicts_in_range(case: LearnerCase) -> None:
    check_range(case, case.predict(case.fresh()))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_learning_keeps_predictions_finite_and_in_range(case: LearnerCase) -> None:
    rng = random.Random(1)
    model = case.fresh()
    for step in range(STEPS):
        model = case.learn(model, rng)
        if step % 15 == 0:
            check_range(case, case.predict(model))
    check_range(case, case.predict(model))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_learning_is_deterministic_under_a_seed(case: LearnerCase) -> None:
    assert case.predict(trained(case, 7)) == case.predict(trained(case, 7))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_learning_changes_the_model(case: LearnerCase) -> None:
    if case.dump is not None:
        assert case.dump(trained(case, 3)) != case.dump(case.fresh())
    else:
        assert case.predict(trained(case, 3)) != case.predict(case.fresh())


@pytest.mark.parametrize("case", [c for c in CASES if c.dump], ids=lambda c: c.id)
def test_state_round_trips_through_its_codec(case: LearnerCase) -> None:
    assert case.dump is not None
    assert case.load is not None
    model = trained(case, 5)
    raw = case.dump(model)
    assert isinstance(raw, bytes)
    back = case.load(raw)
    assert case.predict(back) == case.predict(model)
    assert case.dump(back) == raw
