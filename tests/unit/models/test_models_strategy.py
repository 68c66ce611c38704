"""The live strategy on known ground truth: whom it contacts, how, and what it logs."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recaudo.contracts.events import Channel
from recaudo.contracts.ports import Offer
from recaudo.contracts.state import AccountState, HistoryEntry, OutcomeSummary
from recaudo.contracts.targeting import Targeting
from recaudo.models.bandit import ChannelBandit, DebtorArms
from recaudo.models.capacity import (
    FIRST_DAY_SAMPLE,
    DayCapacity,
    threshold_for,
    value_bucket,
)
from recaudo.models.online import promises_broken
from recaudo.models.slots import arm_index
from recaudo.models.strategy import SKIP, LiveStrategy, Models, context_of
from recaudo.models.uplift import PRIOR_CONTROL, PRIOR_TREATED, Context, UpliftModel
from recaudo.streams.state import DebtorState

# 10:30 in Bogota (UTC-5): the 08-11 slot (0).
MORNING = dt.datetime(2026, 3, 4, 15, 30, tzinfo=dt.UTC)
STRATEGY = LiveStrategy(ChannelBandit(max_count=16))
CHANNELS = (Channel.SMS, Channel.EMAIL, Channel.WHATSAPP)


def debtor(dpd: int = 20, due: int = 100_000, contacts: int = 0) -> DebtorState:
    return DebtorState(
        tz="America/Bogota",
        seg="s1",
        accounts={"a1": AccountState(days_past_due=dpd, due=due, bal=due * 3, cur="COP")},
        history=[
            HistoryEntry(ch=Channel.SMS, at=MORNING.timestamp() - 3600 * (i + 1))
            for i in range(contacts)
        ],
    )


def offer(
    state: DebtorState,
    targeting: Targeting,
    seed: str = "c1",
    may_skip: bool = True,
    may_wait: bool = False,
) -> Offer:
    return Offer(
        tenant_id="acme",
        state=state,
        account_id="a1",
        step_id="mid",
        channels=CHANNELS,
        at=MORNING,
        seed=seed,
        targeting=targeting,
        may_skip=may_skip,
        may_wait=may_wait,
    )


def models(
    uplift: UpliftModel | None = None,
    capacity: DayCapacity | None = None,
    arms: DebtorArms | None = None,
) -> Models:
    return Models(
        arms=arms or DebtorArms.empty(),
        prior=None,
        uplift=uplift or UpliftModel(),
        capacity=capacity,
        versions={"uplift": "test"},
    )


def sums_for(
    state: DebtorState, treated: float, control: float, n: float
) -> dict[str, list[float]]:
    """Observed sums for the context this debtor is in: ``n`` of each side."""
    key = context_of(state, state.accounts["a1"], MORNING, Targeting()).key
    return {key: [n, treated * n, n, control * n]}


@settings(max_examples=60, deadline=None)
@given(
    seed=st.text(min_size=1, max_size=12),
    explore=st.floats(0.0, 1.0),
    mode=st.sampled_from(["adaptive", "amount", "cadence"]),
    due=st.integers(1, 10_000_000),
    may_skip=st.booleans(),
)
def test_logged_probabilities_sum_to_one_and_name_the_action_taken(
    seed: str, explore: float, mode: str, due: int, may_skip: bool
) -> None:
    targeting = Targeting.model_validate({"mode": mode, "explore": explore, "min_value": 5e4})
    target = STRATEGY.target(offer(debtor(due=due), targeting, seed, may_skip), models())
    assert target.options, "a choice among options is always logged"
    assert math.isclose(sum(target.options.values()), 1.0, abs_tol=1e-9)
    assert all(p >= 0 for p in target.options.values())
    taken = SKIP if target.channel is None else target.channel.value
    assert target.propensity == target.options[taken]
    assert target.propensity > 0, "what was done had a chance of being done"
    offered = {SKIP, *(c.value for c in CHANNELS)}
    assert set(target.options) <= offered
    if not may_skip:
        assert target.channel is not None, "a callback or fallback is never skipped"


def test_uplift_ranks_persuadables_above_sure_things_with_higher_propensity() -> None:
    """Known ground truth: 'sure things' pay 60 % of what they owe contacted or not;
    'persuadables' pay 35 % when contacted and 5 % when not. Ranking by propensity
    would contact the sure things; ranking by uplift contacts the persuadables."""
    sure, persuadable = debtor(dpd=5), debtor(dpd=45)
    sums = sums_for(sure, 0.60, 0.60, 400) | sums_for(persuadable, 0.35, 0.05, 400)
    model = UpliftModel(sums)
    targeting = Targeting(explore=0.0, min_value=10_000.0)
    assert model.estimate(context_of(sure, sure.accounts["a1"], MORNING, targeting)).treated > 0.5
    skip = STRATEGY.target(offer(sure, targeting), models(model))
    contact = STRATEGY.target(offer(persuadable, targeting), models(model))
    assert skip.channel is None
    assert skip.rule_id == "strategy.skip"
    assert skip.scores["uplift"] == pytest.approx(0.0, abs=0.02)
    assert contact.channel is not None
    assert contact.scores["uplift"] == pytest.approx(0.30, abs=0.02)
    assert contact.scores["value"] == pytest.approx(0.30 * 100_000, rel=0.07)


def test_uplift_shrinks_thin_buckets_to_their_parents() -> None:
    state = debtor()
    context = context_of(state, state.accounts["a1"], MORNING, Targeting())
    assert UpliftModel().estimate(context).uplift == pytest.approx(PRIOR_TREATED - PRIOR_CONTROL)
    thin = UpliftModel(sums_for(state, 1.0, 0.0, 1))
    assert thin.estimate(context).uplift < 0.15, "one debtor each side moves it a little"
    thick = UpliftModel(sums_for(state, 1.0, 0.0, 10_000))
    assert thick.estimate(context).uplift > 0.99
    assert thick.version == "uplift-v1@20000"


def test_a_debtor_over_its_rolling_budget_is_skipped_without_a_draw() -> None:
    targeting = Targeting(debtor_budget=2, explore=0.5)
    target = STRATEGY.target(offer(debtor(contacts=2), targeting), models())
    assert target.channel is None
    assert target.rule_id == "strategy.debtor_budget"
    assert target.options == {}, "not a choice: nothing to evaluate off-policy"


def histogram(values: Iterable[float]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for value in values:
        counts[value_bucket(value)] = counts.get(value_bucket(value), 0) + 1
    return counts


def test_a_full_day_is_skipped_and_the_threshold_comes_from_yesterday() -> None:
    targeting = Targeting(daily_capacity=10, explore=0.0)
    few = histogram([1e3] * 5)  # fewer candidates than the capacity yesterday: no bar
    full = DayCapacity(MORNING.date(), 10, used=10, yesterday=few)
    skipped = STRATEGY.target(offer(debtor(), targeting), models(capacity=full))
    assert skipped.rule_id == "strategy.daily_capacity"
    assert skipped.features["value"] == skipped.scores["value"], "valued all the same: it ranks"
    assert skipped.scores["threshold"] == 0.0
    high_bar = DayCapacity(MORNING.date(), 10, used=0, yesterday=histogram([1e9] * 20))
    low_bar = DayCapacity(MORNING.date(), 10, used=0, yesterday=few)
    below = STRATEGY.target(offer(debtor(), targeting), models(capacity=high_bar))
    assert below.channel is None
    assert below.rule_id == "strategy.skip"
    assert below.scores["threshold"] == pytest.approx(1e9, rel=0.08), "the reason names the bar"
    assert below.scores["value"] < 1e8, "and the value that missed it"
    assert STRATEGY.target(offer(debtor(), targeting), models(capacity=low_bar)).channel


def test_capacity_threshold_admits_the_best_candidates_of_yesterday() -> None:
    # 5 candidates worth ~1e6, 20 worth ~1e4, 100 worth ~1e2; capacity 10.
    histogram = {value_bucket(1e6): 5, value_bucket(1e4): 20, value_bucket(1e2): 100}
    bar = threshold_for(histogram, 10)
    assert 1e4 < bar <= 1e6
    assert threshold_for(histogram, 1000) == -math.inf, "room for everyone: no bar"
    assert threshold_for({}, 10) == -math.inf


@pytest.mark.parametrize("k", [1, 7, 50, 333])
def test_the_bar_is_the_value_at_rank_k_within_a_bucket(k: int) -> None:
    """1,000 known values: about k of them clear the bar the histogram gives."""
    values = np.random.default_rng(k).lognormal(12, 2, 1000)
    cleared = int((values >= threshold_for(histogram(values), k)).sum())
    assert abs(cleared - k) <= max(2, 0.05 * k)


def test_a_first_day_ranks_its_own_candidates_by_the_share_of_the_day_gone() -> None:
    """No candidates yesterday: by 18:00 (3/4 of the day) with 300 candidates seen,
    the day's volume is estimated at 400 and the bar is the value at rank 3/4 K."""
    day = MORNING.date()
    first = DayCapacity(day, 40, used=0, yesterday={})
    evening = dt.datetime.combine(day, dt.time(18), dt.UTC)
    targeting = Targeting(mode="amount", daily_capacity=40, explore=0.0)
    for value in range(1, 301):
        if value == FIRST_DAY_SAMPLE:
            early = STRATEGY.target(offer(debtor(due=10**9), targeting), models(capacity=first))
            assert early.rule_id == "strategy.capacity_sample", "too few seen to rank"
            assert early.scores["candidates_seen"] == FIRST_DAY_SAMPLE - 1
        first = first.judged(float(value * 1000), admitted=False)
    bar = first.bar(evening)
    assert 260_000 < bar < 280_000, "rank 30 of 300 (the values 1,000 to 300,000)"
    assert first.bar(dt.datetime.combine(day, dt.time(6), dt.UTC)) > bar, "stricter early"


def test_today_s_candidates_take_yesterday_s_place_as_they_arrive() -> None:
    """Yesterday: 100 candidates worth 1,000 to 100,000, capacity 10, so the day
    starts with the bar at rank 10 (~91,000). Yesterday's best 10 were contacted
    and do not come back: once today's 90 are seen, the bar is their rank 10."""
    day = MORNING.date()
    capacity = DayCapacity(day, 10, used=0, yesterday=histogram(range(1000, 100_001, 1000)))
    assert capacity.bar(MORNING) == pytest.approx(91_000, rel=0.04)
    for value in range(90_000, 0, -1000):
        capacity = capacity.judged(float(value), admitted=False)
    assert capacity.seen() == 90
    assert capacity.bar(MORNING) == pytest.approx(81_000, rel=0.04)
    assert capacity.judged(None, admitted=True).used == 1, "the batch's admissions count"


def test_amount_mode_ranks_by_the_amount_due_alone() -> None:
    targeting = Targeting(mode="amount", explore=0.0, min_value=500_000.0)
    small = STRATEGY.target(offer(debtor(due=100_000), targeting), models())
    large = STRATEGY.target(offer(debtor(due=900_000), targeting), models())
    assert small.channel is None
    assert large.channel is CHANNELS[0], "no learning: the step's first allowed channel"


def test_cadence_mode_always_contacts_on_the_first_channel() -> None:
    target = STRATEGY.target(offer(debtor(due=1), Targeting(mode="cadence")), models())
    assert target.channel is CHANNELS[0]
    assert target.options == {CHANNELS[0].value: 1.0}


def test_the_bandit_chooses_the_hour_and_defers_to_it() -> None:
    arms = DebtorArms.empty()
    successes = arms.successes.copy()
    failures = arms.failures.copy()
    for slot in range(4):
        failures[arm_index(Channel.WHATSAPP, slot)] = 0 if slot == 3 else 12
        for channel in (Channel.SMS, Channel.EMAIL):
            failures[arm_index(channel, slot)] = 12
    successes[arm_index(Channel.WHATSAPP, 3)] = 12
    learned = DebtorArms(successes, failures)
    targeting = Targeting(explore=0.0)
    target = STRATEGY.target(offer(debtor(), targeting, may_wait=True), models(arms=learned))
    assert target.channel is Channel.WHATSAPP
    assert target.wait_until is not None
    local = target.wait_until.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert (local.date(), local.hour) == (MORNING.date(), 17), "the evening slot, today"
    now_only = STRATEGY.target(offer(debtor(), targeting, may_wait=False), models(arms=learned))
    assert now_only.wait_until is None, "a contact already waiting for its hour goes now"


def test_each_learned_part_can_be_switched_off_for_an_ablation() -> None:
    arms = DebtorArms.empty()
    failures = arms.failures.copy()
    successes = arms.successes.copy()
    for slot in range(4):
        failures[arm_index(Channel.SMS, slot)] = 12  # the bandit has learned: not SMS
        successes[arm_index(Channel.WHATSAPP, slot)] = 12
    learned = DebtorArms(successes, failures)
    state = debtor(due=100_000)
    # The uplift model says contact hardly moves this debtor: 1 % more pay when contacted.
    uplift = UpliftModel(sums_for(state, treated=0.11, control=0.10, n=10_000))
    full = Targeting(explore=0.0, min_value=5_000.0)
    with_all = STRATEGY.target(offer(state, full), models(uplift=uplift, arms=learned))
    assert with_all.channel is None, "1 % of 100,000 is under the minimum value"
    no_uplift = full.model_copy(update={"ablate": frozenset({"uplift"})})
    ranked = STRATEGY.target(offer(state, no_uplift), models(uplift=uplift, arms=learned))
    assert ranked.channel is Channel.WHATSAPP, "the amount due less cost clears it; bandit on"
    assert ranked.scores["value"] == pytest.approx(100_000 - full.cost_of(Channel.WHATSAPP))
    no_bandit = no_uplift.model_copy(update={"ablate": frozenset({"uplift", "bandit"})})
    first = STRATEGY.target(offer(state, no_bandit), models(uplift=uplift, arms=learned))
    assert first.channel is CHANNELS[0], "without the bandit: the step's first channel"
    payday = dt.datetime(2026, 3, 15, 15, tzinfo=dt.UTC)
    account = state.accounts["a1"]
    assert context_of(state, account, payday, full).payday
    no_payday = full.model_copy(update={"ablate": frozenset({"payday"})})
    assert not context_of(state, account, payday, no_payday).payday


def test_exploration_happens_at_the_configured_rate() -> None:
    targeting = Targeting(explore=0.2, min_value=-1.0)
    explored = sum(
        bool(STRATEGY.target(offer(debtor(), targeting, f"s{i}"), models()).features["explored"])
        for i in range(2000)
    )
    assert 0.16 < explored / 2000 < 0.24


def test_contexts_round_trip_and_coarsen() -> None:
    context = Context.of(45, 150_000.0, 1, dt.date(2026, 3, 15), "s2")
    assert Context.parse(context.key) == context
    assert context.payday
    levels = context.levels()
    assert levels[0] == ""
    assert levels[-1] == context.key
    assert all(levels[i + 1].startswith(levels[i]) for i in range(1, len(levels) - 1))
    assert not Context.of(45, 1.0, 0, dt.date(2026, 3, 9), None).payday
    assert np.isfinite(UpliftModel().estimate(context).uplift)


def test_broken_promises_are_counted_live_from_the_outcome_summary() -> None:
    state = debtor()
    assert promises_broken(state) == 0
    state.out = OutcomeSummary(prom=3, kept=1)
    assert promises_broken(state) == 2
    state.promise_until = dt.date(2026, 3, 10)
    assert promises_broken(state) == 1, "the running promise is not broken yet"
