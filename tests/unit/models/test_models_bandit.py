from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recaudo.contracts.events import Channel
from recaudo.foundation.errors import ModelStateError
from recaudo.models.bandit import ChannelBandit, DebtorArms, SegmentPrior
from recaudo.models.slots import ALL_ARMS, Arm

BANDIT = ChannelBandit()
N = len(ALL_ARMS)
counts = st.lists(st.integers(0, 0xFFFF), min_size=N, max_size=N)


@given(counts, counts)
def test_state_round_trips_byte_exactly_within_budget(s: list[int], f: list[int]) -> None:
    state = DebtorArms(np.array(s, np.uint16), np.array(f, np.uint16))
    raw = BANDIT.encode(state)
    assert len(raw) == BANDIT.encoded_size <= 80
    back = BANDIT.decode(raw)
    assert back == state
    assert BANDIT.encode(back) == raw


def test_missing_state_is_a_fresh_debtor() -> None:
    assert BANDIT.decode(None) == DebtorArms.empty()
    assert BANDIT.decode(None).contacts == 0


@pytest.mark.parametrize(
    "raw", [b"", b"\xa1\x10" + b"\x00" * 10, b"\x00\x10" + b"\x00" * 64, b"\xa1\x08" + b"\x00" * 64]
)
def test_malformed_state_is_refused(raw: bytes) -> None:
    with pytest.raises(ModelStateError):
        BANDIT.decode(raw)


def test_update_returns_new_state_and_halves_at_cap() -> None:
    bandit = ChannelBandit(max_count=4)
    s0 = DebtorArms.empty()
    s1 = bandit.update(s0, Channel.SMS, 1, True)
    assert s0.contacts == 0
    assert s1.successes[Arm(Channel.SMS, 1).index] == 1
    state = s1
    for _ in range(4):
        state = bandit.update(state, Channel.SMS, 1, False)
    i = Arm(Channel.SMS, 1).index
    assert int(state.successes[i]) + int(state.failures[i]) <= 4
    assert state.failures[i] == 2
    assert state.successes[i] == 1


def test_choose_respects_allowed_and_is_deterministic_per_seed() -> None:
    state = DebtorArms.empty()
    for seed in range(50):
        c = BANDIT.choose(state, None, {Channel.EMAIL}, rng_seed=seed)
        assert c.channel is Channel.EMAIL
        d = BANDIT.choose(state, None, [(Channel.VOICE, 2)], rng_seed=f"decision-{seed}")
        assert (d.channel, d.slot) == (Channel.VOICE, 2)
    a = BANDIT.choose(state, None, None, rng_seed="same")
    b = BANDIT.choose(state, None, None, rng_seed="same")
    assert a == b
    assert set(a.scores) == {"bandit_sample", "bandit_mean", "bandit_arm_contacts"}
    with pytest.raises(ValueError, match="no arm"):
        BANDIT.choose(state, None, [], rng_seed=1)


def _run_debtor(
    seed: int, contacts: int, good: Arm | Channel, prior: SegmentPrior | None = None
) -> DebtorArms:
    """A debtor who responds 50% of the time on ``good`` (an arm or a whole channel), else 8%."""
    rng = np.random.default_rng(seed)
    state = DebtorArms.empty()
    for k in range(contacts):
        c = BANDIT.choose(state, prior, None, rng_seed=seed * 1000 + k)
        hit = c.arm == good if isinstance(good, Arm) else c.channel is good
        state = BANDIT.update(state, c.channel, c.slot, bool(rng.random() < (0.5 if hit else 0.08)))
    return state


def _best(state: DebtorArms, prior: SegmentPrior | None = None) -> Arm:
    return ALL_ARMS[int(np.argmax(BANDIT.posterior_mean(state, prior)))]


def test_bandit_finds_preferred_channel_within_40_contacts() -> None:
    # ~96 % of debtors (measured over 400 seeds): 100 debtors, so that which
    # seeds the draws happen to use cannot decide the test.
    found = sum(
        _best(_run_debtor(seed, 40, Channel.WHATSAPP)).channel is Channel.WHATSAPP
        for seed in range(100)
    )
    assert found >= 90


def test_bandit_finds_preferred_channel_and_slot_within_120_contacts() -> None:
    good = Arm(Channel.VOICE, 2)
    found = sum(_best(_run_debtor(seed, 120, good)) == good for seed in range(20))
    assert found >= 18


def test_segment_prior_speeds_up_learning() -> None:
    # The segment has seen WhatsApp evenings work: its debtors find it sooner.
    s = np.zeros(N)
    f = np.full(N, 50.0)
    s[Arm(Channel.WHATSAPP, 3).index] = 30
    f[Arm(Channel.WHATSAPP, 3).index] = 20
    prior = SegmentPrior.from_counts(s, f, strength=8.0)
    assert prior.alpha.max() <= 1.0 + 8.0
    assert prior.beta.max() <= 4.0 + 8.0
    good = Arm(Channel.WHATSAPP, 3)
    hits_with = sum(_best(_run_debtor(seed, 10, good, prior), prior) == good for seed in range(20))
    hits_without = sum(_best(_run_debtor(seed, 10, good)) == good for seed in range(20))
    assert hits_with >= 18
    assert hits_with > hits_without


def test_base_prior_matches_no_prior() -> None:
    state = BANDIT.update(DebtorArms.empty(), Channel.SMS, 0, True)
    assert BANDIT.choose(state, SegmentPrior.base(), None, 3) == BANDIT.choose(state, None, None, 3)


def test_empty_segment_counts_give_the_base_prior() -> None:
    prior = SegmentPrior.from_counts([0] * N, [0] * N)
    assert np.array_equal(prior.alpha, SegmentPrior.base().alpha)
    assert np.array_equal(prior.beta, SegmentPrior.base().beta)
