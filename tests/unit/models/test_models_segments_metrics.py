from __future__ import annotations

import random

import pytest
from prometheus_client import CollectorRegistry

from recaudo.contracts.events import Channel
from recaudo.foundation.errors import ModelStateError
from recaudo.models.metrics import ModelMetrics
from recaudo.models.segments import OnlineSegmenter


def test_segmenter_separates_shallow_small_from_deep_large() -> None:
    seg = OnlineSegmenter(k=2, seed=3)
    rng = random.Random(0)
    for _ in range(3000):
        if rng.random() < 0.5:
            seg.learn_assign(rng.randint(1, 10), rng.randint(1_000, 5_000))
        else:
            seg.learn_assign(rng.randint(150, 300), rng.randint(500_000, 2_000_000))
    small = {seg.assign(rng.randint(1, 10), rng.randint(1_000, 5_000)) for _ in range(50)}
    large = {seg.assign(rng.randint(150, 300), rng.randint(500_000, 2_000_000)) for _ in range(50)}
    assert len(small) == 1
    assert len(large) == 1
    assert small != large
    assert seg.assign(5, 2_000, given="vip") == "vip"


def test_segmenter_round_trip() -> None:
    seg = OnlineSegmenter(k=3)
    for d in range(100):
        seg.learn_assign(d, d * 1000)
    back = OnlineSegmenter.from_json(seg.to_json())
    assert back.centres() == seg.centres()
    assert back.version == seg.version
    assert all(back.assign(d, d * 777) == seg.assign(d, d * 777) for d in range(0, 300, 7))
    with pytest.raises(ModelStateError):
        OnlineSegmenter.from_json(b"[]")


def test_metrics_export_rolling_quality_and_reward() -> None:
    registry = CollectorRegistry()
    m = ModelMetrics(registry, window=4)
    for score, label in [(0.9, True), (0.1, False), (0.8, True), (0.2, False)]:
        m.observe_label("propensity", score, label)
    assert registry.get_sample_value("recaudo_model_rolling_auc", {"model": "propensity"}) == 1.0
    ll = registry.get_sample_value("recaudo_model_rolling_logloss", {"model": "propensity"})
    assert ll is not None
    assert 0.1 < ll < 0.3
    # The window forgets: four inverted labels make the AUC 0.
    for score, label in [(0.9, False), (0.1, True), (0.8, False), (0.2, True)]:
        m.observe_label("propensity", score, label)
    assert registry.get_sample_value("recaudo_model_rolling_auc", {"model": "propensity"}) == 0.0
    labels = {"model": "propensity", "label": "success"}
    assert registry.get_sample_value("recaudo_model_labels_total", labels) == 4.0
    for reward in (True, False, False, True):
        m.observe_reward(Channel.SMS, reward)
    assert registry.get_sample_value("recaudo_bandit_rewards_total", {"channel": "sms"}) == 2.0
    assert registry.get_sample_value("recaudo_bandit_outcomes_total", {"channel": "sms"}) == 4.0
    rate = registry.get_sample_value("recaudo_bandit_rolling_reward_rate", {"channel": "sms"})
    assert rate == 0.5
