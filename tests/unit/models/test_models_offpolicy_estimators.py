"""Off-policy estimates against a known truth: a synthetic logging policy with known
probabilities and a known reward function per (context, action)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pytest

from recaudo.foundation.errors import EvaluationError
from recaudo.models.offpolicy import (
    SKIP,
    Evaluation,
    LoggedChoice,
    LoggedPolicy,
    PolicyChallenger,
    RewardModel,
    evaluate,
)
from tests.unit.models.offpolicy_data import T0, Synthetic, expected_reward, policy, synthetic_log

N = 6000


@pytest.fixture(scope="module")
def log() -> Synthetic:
    return synthetic_log(N, seed=7)


@pytest.fixture(scope="module")
def amount_challenger() -> PolicyChallenger:
    return PolicyChallenger(policy("amount", min_value=20_000))


@pytest.fixture(scope="module")
def result(log: Synthetic, amount_challenger: PolicyChallenger) -> Evaluation:
    return evaluate(log.choices, log.rewards, amount_challenger, resamples=200, seed=3)


def truth(log: Synthetic, challenger: PolicyChallenger) -> tuple[float, float]:
    """The challenger's true mean reward per decision and per contact on these contexts."""
    actions = []
    for c in log.choices:
        pi = challenger.probabilities(c.features, c.options)
        assert pi is not None
        actions.append(max(pi, key=lambda a: pi[a]))
    total = sum(expected_reward(c.features, a) for c, a in zip(log.choices, actions, strict=True))
    contacts = sum(a != SKIP for a in actions)
    return total / len(actions), total / contacts


def test_ips_snips_and_dr_cover_the_true_value(
    log: Synthetic, amount_challenger: PolicyChallenger, result: Evaluation
) -> None:
    per_decision, _ = truth(log, amount_challenger)
    assert result.evaluated == N
    assert result.unsupported == 0
    assert result.ips.covers(per_decision), (result.ips, per_decision)
    assert result.snips.covers(per_decision), (result.snips, per_decision)
    assert result.dr.covers(per_decision), (result.dr, per_decision)
    # The challenger often acts unlike the logging policy: the check is not trivial.
    assert result.ess < 0.5 * N


def test_per_contact_ratios_cover_the_true_value(
    log: Synthetic, amount_challenger: PolicyChallenger, result: Evaluation
) -> None:
    _, per_contact = truth(log, amount_challenger)
    assert result.ips_per_contact is not None
    assert result.dr_per_contact is not None
    assert result.ips_per_contact.covers(per_contact), (result.ips_per_contact, per_contact)
    assert result.dr_per_contact.covers(per_contact), (result.dr_per_contact, per_contact)


def test_dr_interval_is_narrower_than_ips(result: Evaluation) -> None:
    ips_width = result.ips.high - result.ips.low
    dr_width = result.dr.high - result.dr.low
    assert dr_width < 0.7 * ips_width


def test_cadence_challenger_covers_too(log: Synthetic) -> None:
    challenger = PolicyChallenger(policy("cadence"))
    per_decision, per_contact = truth(log, challenger)
    ev = evaluate(log.choices, log.rewards, challenger, resamples=200)
    assert ev.contact_rate == 1.0
    assert ev.dr.covers(per_decision)
    assert ev.ips.covers(per_decision)
    assert ev.dr_per_contact is not None
    assert ev.dr_per_contact.covers(per_contact)


def test_logging_policy_ips_equals_its_observed_mean(log: Synthetic) -> None:
    ev = evaluate(log.choices, log.rewards, LoggedPolicy(), resamples=0)
    assert ev.ips.value == pytest.approx(ev.logged_per_decision, rel=1e-12)
    assert ev.snips.value == pytest.approx(ev.logged_per_decision, rel=1e-12)
    assert ev.ips_per_contact is not None
    assert ev.ips_per_contact.value == pytest.approx(ev.logged_per_contact, rel=1e-12)
    assert ev.ess == pytest.approx(N)
    assert ev.contact_rate == pytest.approx(ev.logged_contact_rate, abs=0.02)


def test_effective_sample_size_shrinks_with_weights(result: Evaluation) -> None:
    assert 0 < result.ess < result.evaluated
    assert result.max_weight > 1


def test_same_seed_same_intervals(log: Synthetic, amount_challenger: PolicyChallenger) -> None:
    a = evaluate(log.choices[:500], log.rewards[:500], amount_challenger, resamples=50, seed=1)
    b = evaluate(log.choices[:500], log.rewards[:500], amount_challenger, resamples=50, seed=1)
    assert a == b


def choice(i: int, options: dict[str, float], taken: str, step: str = "early") -> LoggedChoice:
    features: dict[str, float | str] = {
        "dpd": 10,
        "step": step,
        "amount_due_minor": 30_000,
        "currency": "USD",
    }
    return LoggedChoice(f"d{i}", f"debtor{i}", None, T0, options, taken, features, "acme")


def test_unsupported_records_are_counted_and_named() -> None:
    only_late = PolicyChallenger(policy("cadence", steps={"late": ("voice", "sms")}))
    choices = [
        choice(0, {"sms": 0.5, SKIP: 0.5}, "sms", step="late"),
        choice(1, {"sms": 0.5, SKIP: 0.5}, SKIP, step="early"),  # unknown step
        choice(2, {"email": 0.5, SKIP: 0.5}, SKIP, step="late"),  # no channel of the step
    ]
    ev = evaluate(choices, [10.0, 0.0, 0.0], only_late, resamples=0)
    assert (ev.records, ev.evaluated, ev.unsupported) == (3, 1, 2)
    assert ev.unsupported_ids == ("d1", "d2")


def test_nothing_supported_is_an_error() -> None:
    only_late = PolicyChallenger(policy("cadence", steps={"late": ("voice",)}))
    with pytest.raises(EvaluationError, match=r"supports none.*d0"):
        evaluate([choice(0, {"sms": 1.0}, "sms")], [1.0], only_late)


def test_zero_support_is_counted_and_dr_uses_the_model() -> None:
    """The challenger picks an option the logging policy offered with probability 0."""
    challenger = PolicyChallenger(policy("cadence"))
    choices = [choice(i, {"sms": 0.0, SKIP: 1.0}, SKIP) for i in range(50)]
    choices += [choice(50 + i, {"sms": 1.0, SKIP: 0.0}, "sms") for i in range(50)]
    rewards = [0.0] * 50 + [100.0] * 50
    ev = evaluate(choices, rewards, challenger, model=RewardModel(prior=0), resamples=0)
    assert ev.zero_support == 50
    assert ev.zero_support_share == 0.5
    assert ev.ips.value == pytest.approx(50.0)  # blind to the unsupported half
    assert ev.dr.value == pytest.approx(100.0)  # the model fills it in


def test_challenger_probabilities_outside_the_offer_are_an_error() -> None:
    class Bad:
        def probabilities(
            self, features: Mapping[str, float | str], offered: Mapping[str, float]
        ) -> dict[str, float] | None:
            return {"voice": 1.0}

    with pytest.raises(EvaluationError, match="d0"):
        evaluate([choice(0, {"sms": 1.0}, "sms")], [1.0], Bad())


def test_no_contacts_means_no_per_contact_estimate() -> None:
    skipper = PolicyChallenger(policy("amount", min_value=math.inf))
    choices = [choice(i, {"sms": 0.5, SKIP: 0.5}, SKIP if i % 2 else "sms") for i in range(10)]
    ev = evaluate(choices, [1.0] * 10, skipper, resamples=10)
    assert ev.contact_rate == 0.0
    assert ev.ips_per_contact is None
    assert ev.dr_per_contact is None
