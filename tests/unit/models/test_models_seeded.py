"""The per-decision draws: the same seed replays the same numbers, with the right distribution."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from recaudo.contracts.events import Channel
from recaudo.models import seeded
from recaudo.models.bandit import ChannelBandit, DebtorArms, SegmentPrior
from recaudo.models.slots import ALL_ARMS, Arm

BANDIT = ChannelBandit()


def test_uniform_is_a_pure_function_of_seed_purpose_and_index() -> None:
    assert seeded.uniform("c-1", "strategy") == seeded.uniform("c-1", "strategy")
    assert seeded.uniform(7, "slot") == seeded.uniform(7, "slot")
    values = {
        seeded.uniform("c-1", "strategy"),
        seeded.uniform("c-1", "strategy", 1),
        seeded.uniform("c-1", "channel"),
        seeded.uniform("c-2", "strategy"),
    }
    assert len(values) == 4
    assert all(0.0 <= v < 1.0 for v in values)


def test_draws_are_the_same_in_another_process() -> None:
    """Replays run in another worker: nothing may depend on the process (``hash()``)."""
    code = (
        "from recaudo.models import seeded;"
        "print(repr(seeded.uniform('c-9', 'slot')), repr(seeded.generator('c-9').random()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    here = f"{seeded.uniform('c-9', 'slot')!r} {seeded.generator('c-9').random()!r}"
    assert out.stdout.strip() == here


def test_uniforms_are_uniform() -> None:
    u = np.array([seeded.uniform(f"contact-{i}", "strategy") for i in range(20_000)])
    assert abs(u.mean() - 0.5) < 0.01
    assert abs(u.var() - 1 / 12) < 0.005
    hist, _ = np.histogram(u, bins=10, range=(0.0, 1.0))
    assert hist.min() > 1_800
    assert hist.max() < 2_200
    picks = np.bincount([seeded.below(f"c-{i}", "explore", 5) for i in range(20_000)])
    assert len(picks) == 5
    assert picks.min() > 3_700
    assert picks.max() < 4_300
    with pytest.raises(ValueError, match="positive"):
        seeded.below("c", "explore", 0)


def test_generator_is_reset_per_seed() -> None:
    first = seeded.generator("contact-1").beta(2.0, 5.0, size=8)
    seeded.generator("contact-2").beta(2.0, 5.0, size=8)
    again = seeded.generator("contact-1").beta(2.0, 5.0, size=8)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, seeded.generator("contact-2").beta(2.0, 5.0, size=8))


@pytest.mark.parametrize(("a", "b"), [(1.0, 4.0), (0.5, 0.5), (3.0, 12.0), (40.0, 9.0)])
def test_beta_draws_over_many_seeds_match_the_distribution(a: float, b: float) -> None:
    """One Thompson draw per decision, each from its own seed: still Beta(a, b)."""
    x = np.array([seeded.generator(f"d-{i}").beta(a, b) for i in range(20_000)])
    mean = a / (a + b)
    var = a * b / ((a + b) ** 2 * (a + b + 1))
    assert abs(x.mean() - mean) < 4 * np.sqrt(var / len(x))
    assert abs(x.var() - var) < 0.05 * var


def test_thompson_probabilities_are_exact_frequencies_and_replay() -> None:
    state = BANDIT.update(DebtorArms.empty(), Channel.SMS, 1, True)
    allowed = [(Channel.SMS, s) for s in range(4)] + [(Channel.EMAIL, 0)]
    p = BANDIT.probabilities(state, None, allowed, "contact-5")
    assert p == BANDIT.probabilities(state, None, allowed, "contact-5")
    assert set(p) <= {Arm(c, s) for c, s in allowed}
    assert sum(p.values()) == pytest.approx(1.0, abs=1e-12)
    assert all(v * 256 == int(v * 256) for v in p.values())  # counts out of 256 draws
    assert BANDIT.probabilities(state, None, [(Channel.VOICE, 2)], "x") == {
        Arm(Channel.VOICE, 2): 1.0
    }


def test_thompson_probabilities_average_to_the_true_ones() -> None:
    """Over many decisions the logged probabilities estimate P(arm has the best draw)."""
    prior = SegmentPrior.base()
    state = DebtorArms.empty()
    state = BANDIT.update(BANDIT.update(state, Channel.SMS, 0, True), Channel.SMS, 0, True)
    allowed = [(Channel.SMS, 0), (Channel.EMAIL, 0), (Channel.VOICE, 0)]
    mean = np.zeros(len(ALL_ARMS))
    for i in range(200):
        for arm, v in BANDIT.probabilities(state, prior, allowed, f"c-{i}").items():
            mean[arm.index] += v / 200
    rng = np.random.default_rng(0)
    alpha = prior.alpha + state.successes
    beta = prior.beta + state.failures
    idx = [Arm(c, s).index for c, s in allowed]
    ref = np.bincount(
        np.argmax(rng.beta(alpha[idx], beta[idx], size=(200_000, 3)), axis=1), minlength=3
    )
    for j, i in enumerate(idx):
        assert mean[i] == pytest.approx(ref[j] / 200_000, abs=0.015)
