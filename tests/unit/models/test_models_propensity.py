from __future__ import annotations

import math
import random

import orjson
import pytest
from river import metrics

from recaudo.contracts.events import Channel
from recaudo.foundation.errors import ModelStateError
from recaudo.models.features import ContactFeatures
from recaudo.models.propensity import PropensityModel


def _truth(f: ContactFeatures) -> float:
    """Ground truth: early delinquency on WhatsApp pays; deep delinquency does not."""
    logit = 0.5 - f.days_past_due / 40 + (1.2 if f.channel is Channel.WHATSAPP else 0.0)
    return 1 / (1 + math.exp(-logit))


def _example(rng: random.Random) -> tuple[ContactFeatures, bool]:
    dpd = rng.randint(1, 180)
    channel = rng.choice(list(Channel))
    f = ContactFeatures(dpd, rng.randint(10_000, 500_000), 5_000, rng.randint(0, 5), channel, 1)
    return f, rng.random() < _truth(f)


def test_learns_a_known_relation() -> None:
    rng = random.Random(5)
    model = PropensityModel(lr=0.1)
    for _ in range(4000):
        model.learn(*_example(rng))
    auc, oracle = metrics.ROCAUC(), metrics.ROCAUC()
    for _ in range(2000):
        f, y = _example(rng)
        auc.update(y, model.score(f))
        oracle.update(y, _truth(f))
    assert auc.get() > 0.75
    assert auc.get() > oracle.get() - 0.03
    early = ContactFeatures(3, 50_000, 5_000, 0, Channel.WHATSAPP, 1)
    late = ContactFeatures(150, 50_000, 5_000, 0, Channel.SMS, 1)
    assert model.score(early) > 0.5 > model.score(late)


def test_untrained_model_says_unlikely() -> None:
    assert PropensityModel().score(ContactFeatures(30, 1, 1, 0, Channel.SMS, 0)) < 0.2


def test_checkpoint_round_trip_scores_identically_and_versions() -> None:
    rng = random.Random(1)
    model = PropensityModel()
    assert model.version == "propensity-v0@init"
    for _ in range(200):
        model.learn(*_example(rng))
    assert model.version == "propensity-v0@init+200"
    body = model.checkpoint()
    assert model.version.startswith("propensity-v1@")
    assert "+" not in model.version
    back = PropensityModel.from_json(body)
    assert back.version == model.version
    assert back.to_json() == body
    for _ in range(50):
        f, _y = _example(rng)
        assert back.score(f) == model.score(f)
    assert set(orjson.loads(body)) >= {"weights", "intercept", "generation"}


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"{}", orjson.dumps({"kind": "intent", "schema": 1}), b'{"kind":"propensity"}'],
)
def test_bad_checkpoint_is_refused(raw: bytes) -> None:
    with pytest.raises(ModelStateError):
        PropensityModel.from_json(raw)


def test_features_round_trip_and_scale() -> None:
    f = ContactFeatures(45, 123_456, 10_000, 3, Channel.EMAIL, 2, "k1", 1)
    assert ContactFeatures.from_dict(orjson.loads(orjson.dumps(f.to_dict()))) == f
    x = f.to_x()
    assert x["ch=email"] == 1.0
    assert x["slot=2"] == 1.0
    assert x["seg=k1"] == 1.0
    assert all(0.0 <= v <= 4.0 for v in x.values())
    with pytest.raises(ModelStateError):
        ContactFeatures.from_dict({"days_past_due": 1})
