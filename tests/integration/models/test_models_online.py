"""The learners as the decision stage runs them, against real Redis."""

from __future__ import annotations

import datetime as dt

import pytest
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from recaudo.channels.opt_out import detect_opt_out
from recaudo.contracts.events import Channel, Intent
from recaudo.contracts.ports import Offer, Outcome
from recaudo.contracts.state import AccountState, Emitted
from recaudo.contracts.targeting import Targeting
from recaudo.foundation.clock import SimulatedClock
from recaudo.foundation.keys import Keys
from recaudo.models import AttributionBook, CheckpointStore, ModelMetrics, SegmentPriorStore
from recaudo.models.capacity import CapacityBook
from recaudo.models.online import OnlineLearning
from recaudo.models.priors import ArmOutcome
from recaudo.models.uplift import UpliftBook
from recaudo.streams.state import DebtorState

pytestmark = pytest.mark.integration
# 10:30 in Bogota: the 8-11 slot (0).
MORNING = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)


def learning(
    redis: aioredis.Redis,
    keys: Keys,
    registry: CollectorRegistry,
    targeting: Targeting | None = None,
) -> OnlineLearning:
    return OnlineLearning(
        priors=SegmentPriorStore(redis, keys),
        attribution=AttributionBook(redis, keys),
        checkpoints=CheckpointStore(redis, keys),
        metrics=ModelMetrics(registry),
        legal_opt_out=detect_opt_out,
        uplift=UpliftBook(redis, keys),
        capacity=CapacityBook(redis, keys),
        targeting_for=lambda _tenant: targeting or Targeting(),
        clock=SimulatedClock(MORNING),
    )


def offer(
    channels: list[Channel], seed: str, may_skip: bool = False, targeting: Targeting | None = None
) -> Offer:
    return Offer(
        tenant_id="acme",
        state=debtor(),
        account_id="a1",
        step_id="mid",
        channels=tuple(channels),
        at=MORNING,
        seed=seed,
        targeting=targeting or Targeting(),
        may_skip=may_skip,
        may_wait=False,
    )


def debtor() -> DebtorState:
    return DebtorState(
        tz="America/Bogota",
        seg="s1",
        accounts={"a1": AccountState(days_past_due=30, due=50_000, bal=200_000)},
        emitted=[
            Emitted(
                contact_id="c1",
                account_id="a1",
                ch=Channel.WHATSAPP,
                exp=2e9,
                at=MORNING.timestamp(),
            )
        ],
    )


async def test_an_engagement_rewards_the_arm_once_and_feeds_the_segment(
    redis: aioredis.Redis, keys: Keys
) -> None:
    registry = CollectorRegistry()
    learner = learning(redis, keys, registry)
    state = debtor()
    outcome = learner.reward("acme", state, "c1", positive=True)
    assert outcome == Outcome("arm", ArmOutcome("s1", Channel.WHATSAPP, 0, True))
    assert state.arms is not None
    assert learner.reward("acme", state, "c1", positive=True) is None, "one reward per contact"
    await learner.after_commit([("acme", "d1", outcome)])
    counts = await SegmentPriorStore(redis, keys).counts("acme", "s1")
    assert sum(counts[0]) == 1
    assert sum(counts[1]) == 0
    rewards = registry.get_sample_value("recaudo_bandit_rewards_total", {"channel": "whatsapp"})
    assert rewards == 1


async def test_the_choice_is_an_allowed_channel_with_scores_and_versions(
    redis: aioredis.Redis, keys: Keys
) -> None:
    learner = learning(redis, keys, CollectorRegistry())
    await learner.before_batch([("acme", "s1")])
    choice = learner.target(offer([Channel.SMS, Channel.EMAIL], "c2"))
    assert choice.channel in {Channel.SMS, Channel.EMAIL}
    assert 0 < choice.scores["pay_propensity"] < 1
    assert set(choice.model_versions) == {"bandit", "uplift", "propensity", "intent"}
    assert choice.options
    assert abs(sum(choice.options.values()) - 1) < 1e-9
    assert choice.propensity == choice.options[choice.channel.value]
    again = learner.target(offer([Channel.SMS, Channel.EMAIL], "c2"))
    assert again == choice, "seeded by the contact id: replays choose alike"


async def test_a_payment_after_a_contact_is_a_positive_label_exactly_once(
    redis: aioredis.Redis, keys: Keys
) -> None:
    registry = CollectorRegistry()
    learner = learning(redis, keys, registry)
    await learner.before_batch([("acme", "s1")])
    choice = learner.target(offer([Channel.SMS], "c3"))
    contact = Outcome("contact", ("c3", choice.context, MORNING))
    await learner.after_commit([("acme", "d1", contact)])
    assert await AttributionBook(redis, keys).pending("acme", "d1") == 1
    paid = Outcome("payment", MORNING + dt.timedelta(days=2))
    await learner.after_commit([("acme", "d1", paid), ("acme", "d1", paid)])
    labelled = registry.get_sample_value(
        "recaudo_model_labels_total", {"model": "propensity", "label": "success"}
    )
    assert labelled == 1
    assert await AttributionBook(redis, keys).pending("acme", "d1") == 0


async def test_a_payment_in_the_same_batch_as_its_contact_labels_it(
    redis: aioredis.Redis, keys: Keys
) -> None:
    registry = CollectorRegistry()
    learner = learning(redis, keys, registry)
    await learner.before_batch([("acme", "s1")])
    choice = learner.target(offer([Channel.SMS], "c4"))
    contact = Outcome("contact", ("c4", choice.context, MORNING))
    paid = Outcome("payment", MORNING + dt.timedelta(hours=1))
    await learner.after_commit([("acme", "d2", contact), ("acme", "d2", paid)])
    labelled = registry.get_sample_value(
        "recaudo_model_labels_total", {"model": "propensity", "label": "success"}
    )
    assert labelled == 1
    assert await AttributionBook(redis, keys).pending("acme", "d2") == 0


def test_reply_intent_legal_words_win_over_the_classifier(
    redis: aioredis.Redis, keys: Keys
) -> None:
    learner = learning(redis, keys, CollectorRegistry())
    assert learner.intent("BAJA", "es") == (Intent.OPT_OUT, 1.0, "rules")
    intent, _confidence, source = learner.intent("mañana le pago sin falta", "es")
    assert source == "model"
    assert intent is Intent.PROMISE_TO_PAY


async def test_one_batch_cannot_overfill_the_day(redis: aioredis.Redis, keys: Keys) -> None:
    """A morning's releases are decided in one batch, before the shared counter in
    Redis moves: admissions inside the batch count against the capacity too."""
    targeting = Targeting(daily_capacity=3, explore=0.0)
    learner = learning(redis, keys, CollectorRegistry(), targeting)
    # Yesterday saw two candidates, fewer than the capacity: today has no bar.
    yesterday = MORNING.date() - dt.timedelta(days=1)
    await CapacityBook(redis, keys).record("acme", (), [(yesterday, 1e3), (yesterday, 1e4)])
    await learner.before_batch([("acme", "s1")])
    picked = [learner.target(offer([Channel.SMS], f"d{i}", True, targeting)) for i in range(6)]
    assert [t.channel is not None for t in picked] == [True, True, True, False, False, False]
    assert picked[-1].rule_id == "strategy.daily_capacity"
