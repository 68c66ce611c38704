"""The logged choices are checked, rewards are joined by debtor/account within the
window only, and a policy file maps to the challenger its mode describes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from recaudo.contracts.outputs import Action, Decision
from recaudo.foundation.errors import EvaluationError
from recaudo.models.offpolicy import SKIP, PaymentIndex, PolicyChallenger, choice_of, read_log
from tests.unit.models.offpolicy_data import T0, decision, payment, policy

DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)


def test_choice_reads_taken_option_and_propensity() -> None:
    contact = choice_of(decision("d1", {"sms": 0.8, SKIP: 0.2}, "sms"))
    skip = choice_of(decision("d2", {"sms": 0.8, SKIP: 0.2}, SKIP))
    assert contact is not None
    assert skip is not None
    assert (contact.taken, contact.propensity, contact.contacted) == ("sms", 0.8, True)
    assert (skip.taken, skip.propensity, skip.contacted) == (SKIP, 0.2, False)


def test_decisions_without_options_are_not_choices() -> None:
    d = decision("d1", {}, "sms", propensity=0.0).model_copy(update={"options": {}})
    assert choice_of(d) is None


def test_probabilities_not_summing_to_one_name_the_decision() -> None:
    with pytest.raises(EvaluationError, match=r"decision d-bad: .*sum to 0\.9"):
        choice_of(decision("d-bad", {"sms": 0.6, SKIP: 0.3}, "sms"))


def test_propensity_must_match_the_taken_option() -> None:
    with pytest.raises(EvaluationError, match=r"decision d1: propensity 0\.5"):
        choice_of(decision("d1", {"sms": 0.8, SKIP: 0.2}, "sms", propensity=0.5))


def test_taken_option_needs_probability() -> None:
    with pytest.raises(EvaluationError, match="decision d1: took 'email'"):
        choice_of(decision("d1", {"sms": 0.8, SKIP: 0.2}, "email"))


def test_other_suppressions_with_options_are_an_error() -> None:
    d = decision("d1", {"sms": 0.5, SKIP: 0.5}, SKIP)
    legal = d.model_copy(update={"reasons": (replace(d.reasons[0], rule_id="x"),)})
    with pytest.raises(EvaluationError, match="decision d1"):
        choice_of(legal)
    with pytest.raises(EvaluationError, match="decision d1"):
        choice_of(d.model_copy(update={"action": Action.DEFER}))


def test_rewards_join_by_debtor_and_account_within_the_window_only() -> None:
    index = PaymentIndex(
        [
            payment("before", T0 - DAY, 1),
            payment("at-decision", T0, 2),
            payment("inside", T0 + DAY, 100),
            payment("window-end", T0 + WEEK, 10),
            payment("after", T0 + WEEK + dt.timedelta(seconds=1), 1000),
            payment("other-account", T0 + DAY, 5000, account_id="acct2"),
            payment("other-debtor", T0 + DAY, 7000, debtor_id="debtor2"),
            payment("other-tenant", T0 + DAY, 9000, tenant_id="zeta"),
            payment("reversed", T0 + 2 * DAY, 30, reversal_of="p-inside"),
            payment("inside", T0 + DAY, 100),  # redelivered: counts once
        ]
    )
    assert index.paid("acme", "debtor1", "acct1", T0, WEEK) == 100 + 10 - 30
    assert index.paid("acme", "debtor1", None, T0, WEEK) == 100 + 10 - 30 + 5000
    assert index.paid("acme", "debtor1", "acct1", T0, DAY) == 100
    assert index.paid("acme", "nobody", None, T0, WEEK) == 0
    assert index.paid("zeta", "debtor1", "acct1", T0, WEEK) == 9000


def test_rewards_in_reference_units() -> None:
    rates = {"USD": 1.0, "COP": 0.00025}
    index = PaymentIndex(
        [payment("a", T0 + DAY, 100), payment("b", T0 + DAY, 400_000, currency="COP")],
        lambda amount, currency: amount * rates[currency],
    )
    assert index.paid("acme", "debtor1", "acct1", T0, WEEK) == pytest.approx(200.0)


FEATURES: dict[str, float | str] = {
    "dpd": 40,
    "step": "late",
    "amount_due_minor": 30_000,
    "currency": "USD",
    "value": 12.0,
}
OFFERED = {"sms": 0.3, "email": 0.3, SKIP: 0.4}


def test_cadence_mode_takes_the_first_offered_channel_and_never_skips() -> None:
    challenger = PolicyChallenger(policy("cadence"))
    assert challenger.probabilities(FEATURES, OFFERED) == {"email": 1.0}  # voice not offered
    assert challenger.probabilities(FEATURES, {SKIP: 1.0}) is None
    assert challenger.probabilities({**FEATURES, "step": "gone"}, OFFERED) is None


def test_amount_mode_contacts_above_the_threshold() -> None:
    assert PolicyChallenger(policy("amount", 30_000)).probabilities(FEATURES, OFFERED) == {
        "email": 1.0
    }
    assert PolicyChallenger(policy("amount", 30_001)).probabilities(FEATURES, OFFERED) == {
        SKIP: 1.0
    }
    # --threshold overrides the policy's min_value.
    assert PolicyChallenger(policy("amount", 0), threshold=50_000).probabilities(
        FEATURES, OFFERED
    ) == {SKIP: 1.0}
    # Skip not offered: the challenger cannot act here.
    assert PolicyChallenger(policy("amount", 50_000)).probabilities(FEATURES, {"sms": 1.0}) is None


def test_adaptive_mode_uses_value_and_the_greedy_channel() -> None:
    challenger = PolicyChallenger(policy("adaptive", 10.0))
    assert challenger.probabilities(FEATURES, OFFERED) == {"email": 1.0}
    greedy = {**FEATURES, "greedy_channel": "sms"}
    assert challenger.probabilities(greedy, OFFERED) == {"sms": 1.0}
    assert challenger.probabilities({**greedy, "value": 9.0}, OFFERED) == {SKIP: 1.0}
    no_value = {k: v for k, v in FEATURES.items() if k != "value"}
    assert challenger.probabilities(no_value, OFFERED) is None


def write_ndjson(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def dump(d: Decision) -> dict[str, object]:
    return d.model_dump(mode="json")


def test_read_log_splits_one_mixed_file(tmp_path: Path) -> None:
    no_options = decision("d0", {}, "sms").model_copy(update={"options": {}, "propensity": None})
    records: list[dict[str, object]] = [
        dump(decision("d1", {"sms": 0.5, SKIP: 0.5}, "sms")),
        dump(decision("d1", {"sms": 0.5, SKIP: 0.5}, "sms")),  # read twice, counted once
        dump(no_options),
        payment("p1", T0 + DAY, 100).model_dump(mode="json"),
        {"type": "account", "whatever": 1},
    ]
    log = read_log([write_ndjson(tmp_path / "mixed.ndjson", records)])
    assert [c.decision_id for c in log.choices] == ["d1"]
    assert len(log.payments) == 1
    assert (log.decisions_without_options, log.other_lines) == (1, 1)


def test_read_log_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson"
    path.write_bytes(b'{"decision_id": "d1"}\n')
    with pytest.raises(EvaluationError, match=r"bad\.ndjson:1: invalid record"):
        read_log([path])
