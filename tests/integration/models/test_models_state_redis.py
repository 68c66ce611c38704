from __future__ import annotations

import numpy as np
import orjson
import pytest
import redis.asyncio as aioredis

from recaudo.contracts.events import Channel
from recaudo.foundation.keys import Keys
from recaudo.models.bandit import ChannelBandit, DebtorArms
from recaudo.models.checkpoint import CheckpointStore
from recaudo.models.features import ContactFeatures
from recaudo.models.intent import IntentClassifier
from recaudo.models.priors import ArmOutcome, SegmentPriorStore
from recaudo.models.propensity import PropensityModel
from recaudo.models.slots import Arm
from recaudo.models.state import DebtorArmStore

pytestmark = pytest.mark.integration

#: The design's budget: "one debtor's state fits in a few hundred bytes of Redis".
BYTE_BUDGET = 300


async def test_debtor_state_round_trips_byte_exactly_under_budget(
    redis: aioredis.Redis, keys: Keys
) -> None:
    bandit = ChannelBandit()
    store = DebtorArmStore(redis, keys, bandit)
    rng = np.random.default_rng(0)
    state = DebtorArms(
        rng.integers(0, 0xFFFF, 16).astype(np.uint16), rng.integers(0, 0xFFFF, 16).astype(np.uint16)
    )
    await store.save("acme", "debtor-000001", state)
    raw = await redis.get(store.key("acme", "debtor-000001"))
    assert raw == bandit.encode(state)
    assert await store.load("acme", "debtor-000001") == state
    assert await store.load("acme", "nobody") == DebtorArms.empty()
    assert (await store.load_many("acme", ["debtor-000001", "nobody"]))[0] == state
    usage = await redis.memory_usage(store.key("acme", "debtor-000001"))
    assert usage is not None
    assert usage <= BYTE_BUDGET


async def test_segment_counts_pool_into_a_prior(redis: aioredis.Redis, keys: Keys) -> None:
    store = SegmentPriorStore(redis, keys, strength=8.0, max_age_s=0.0)
    outcomes = [ArmOutcome("k1", Channel.EMAIL, 2, True)] * 30 + [
        ArmOutcome("k1", Channel.EMAIL, 2, False)
    ] * 10
    assert await store.record("acme", outcomes) == 40
    s, f = await store.counts("acme", "k1")
    i = Arm(Channel.EMAIL, 2).index
    assert (s[i], f[i]) == (30, 10)
    assert sum(s) + sum(f) == 40
    priors = await store.load("acme", ["k1", None])
    k1, base = priors["k1"], priors["_all"]
    assert k1.alpha[i] / (k1.alpha[i] + k1.beta[i]) > 0.5
    assert base.alpha[i] / (base.alpha[i] + base.beta[i]) == pytest.approx(0.2)


async def test_checkpoints_are_json_and_restore(redis: aioredis.Redis, keys: Keys) -> None:
    store = CheckpointStore(redis, keys)
    model = PropensityModel()
    f = ContactFeatures(10, 50_000, 5_000, 1, Channel.SMS, 0)
    for i in range(50):
        model.learn(f, i % 3 == 0)
    version = await store.save("acme", model, model.checkpoint())
    assert version.startswith("propensity-v1@")
    raw = await store.load_raw("acme", "propensity")
    assert raw is not None
    assert raw.startswith(b"{")
    back = await store.load("acme", "propensity", PropensityModel.from_json)
    assert back is not None
    assert back.version == version
    assert back.score(f) == model.score(f)
    intent = IntentClassifier()
    await store.save("acme", intent)
    loaded = await store.load("acme", "intent", IntentClassifier.from_json)
    assert loaded is not None
    assert loaded.version == intent.version
    assert await store.load("other", "propensity", PropensityModel.from_json) is None


async def test_two_workers_updates_add_up_instead_of_the_last_overwriting(
    redis: aioredis.Redis, keys: Keys
) -> None:
    """Both workers start from the shared model, learn different contacts, and save:
    the stored model carries both updates (no last-writer-wins)."""
    store = CheckpointStore(redis, keys)
    sms = ContactFeatures(10, 50_000, 5_000, 1, Channel.SMS, 0)
    email = ContactFeatures(90, 900_000, 90_000, 4, Channel.EMAIL, 3)
    first, second = PropensityModel(), PropensityModel()
    for _ in range(40):
        first.learn(sms, True)
        second.learn(email, False)
    for worker in (first, second):
        raw = await store.load_raw("acme", "propensity")
        stored = PropensityModel.from_json(raw) if raw is not None else None
        assert await store.replace(
            "acme", "propensity", raw, worker.merged_with(stored).checkpoint()
        )
    assert not await store.replace("acme", "propensity", None, b"{}"), "compare-and-set"
    shared = await store.load("acme", "propensity", PropensityModel.from_json)
    assert shared is not None
    weights = orjson.loads(shared.to_json())["weights"]
    assert weights["ch=sms"] == pytest.approx(orjson.loads(first.to_json())["weights"]["ch=sms"])
    assert weights["ch=email"] == pytest.approx(
        orjson.loads(second.to_json())["weights"]["ch=email"]
    )
    assert shared.n_seen == 80
    base = orjson.loads(PropensityModel().to_json())["intercept"]
    deltas = [orjson.loads(m.to_json())["intercept"] - base for m in (first, second)]
    assert orjson.loads(shared.to_json())["intercept"] == pytest.approx(base + sum(deltas))
