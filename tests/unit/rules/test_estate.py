"""The estate's representative (issue 26): who a contact may go to after a death.

12 CFR 1006.6(a)(4): for 1006.6 the consumer includes "the executor or
administrator of the consumer's estate, if the consumer is deceased"; 15 U.S.C.
1692c(b): no communication about the debt "with any person other than the
consumer" (and a few others) without consent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from recaudo.contracts.events import Channel
from recaudo.rules.base import FlagDates, Flags
from recaudo.rules.engine import evaluate
from recaudo.rules.estate import POLICY_THIRD_PARTY, REPRESENTATIVE, THIRD_PARTY
from tests.unit.rules.conftest import BOGOTA, NY, ProposalFactory, item, local

DIED = dt.date(2025, 5, 20)
REP = "estate_representative"


def dead(since: dt.date | None = DIED, **more: bool) -> dict[str, Any]:
    return {"flags": Flags(deceased=True, **more), "flag_dates": FlagDates(deceased=since)}


def test_after_the_death_the_executor_or_administrator_may_be_contacted(
    proposal: ProposalFactory,
) -> None:
    verdict = evaluate(proposal(recipient=REP, **dead()))
    assert verdict.action == "allow"
    assert "us.reg_f.estate_representative" in verdict.passed
    estate = next(r for r in verdict.reasons if r.rule_id == REPRESENTATIVE.id)
    assert estate.params["kind"] == "law"
    assert estate.params["outcome"] == "passed"
    assert estate.params["effective_date"] == "2025-05-20"
    assert "1006.6(a)(4)" in (estate.citation or "")
    assert "executor or administrator" in (estate.citation or "")


def test_the_deceased_debtor_is_not_contacted(proposal: ProposalFactory) -> None:
    verdict = evaluate(proposal(recipient="debtor", **dead()))
    assert verdict.decided_by == ("suppress.deceased",)
    assert verdict.reasons[0].params["kind"] == "policy_default"


def test_an_undated_death_opens_the_estate_too(proposal: ProposalFactory) -> None:
    assert evaluate(proposal(recipient=REP, **dead(None))).allowed


@pytest.mark.parametrize(
    "flags",
    [
        {},  # no death reported
        {"flags": Flags(deceased=True), "flag_dates": FlagDates(deceased=dt.date(2025, 6, 11))},
    ],
    ids=["alive", "dies-after-the-contact"],
)
def test_a_living_debtors_representative_is_a_third_party(
    proposal: ProposalFactory, flags: dict[str, Any]
) -> None:
    """1692c(b): the executor is "the consumer" only "if the consumer is deceased"."""
    verdict = evaluate(proposal(recipient=REP, **flags))
    assert verdict.action == "suppress"
    assert verdict.decided_by == ("us.fdcpa.third_party",)
    reason = verdict.reasons[0]
    assert reason.citation == THIRD_PARTY.citation
    assert reason.citation.startswith("15 U.S.C. 1692c(b)")
    assert reason.params["kind"] == "law"


def test_other_flags_opt_outs_windows_and_caps_still_bind_the_representative(
    proposal: ProposalFactory,
) -> None:
    assert evaluate(proposal(recipient=REP, **dead(legal_hold=True))).decided_by == (
        "suppress.legal_hold",
    )
    opted = evaluate(proposal(recipient=REP, opted_out_all=True, **dead()))
    assert opted.decided_by == ("suppress.opt_out",)
    night = evaluate(proposal(recipient=REP, at=local(NY, 2025, 6, 10, 22), **dead()))
    assert night.decided_by == ("us.reg_f.inconvenient_time",)
    calls = tuple(item(local(NY, 2025, 6, d, 9), account_id="a1") for d in range(4, 11))
    capped = evaluate(proposal(recipient=REP, account_id="a1", history=calls, **dead()))
    assert capped.action == "defer"
    assert "us.reg_f.call_frequency" in capped.decided_by


def test_a_us_state_gets_the_same_rule(proposal: ProposalFactory) -> None:
    verdict = evaluate(proposal(jurisdiction="US-MA", recipient=REP, **dead()))
    assert verdict.allowed
    assert REPRESENTATIVE.id in verdict.passed


def colombia(**fields: Any) -> dict[str, Any]:
    return {
        "jurisdiction": "CO",
        "timezone": "America/Bogota",
        "channel": Channel.SMS,
        "at": local(BOGOTA, 2025, 6, 10, 10),
        **fields,
    }


def test_outside_the_us_the_deceased_flag_suppresses_whoever_the_recipient(
    proposal: ProposalFactory,
) -> None:
    for recipient in ("debtor", REP):
        verdict = evaluate(proposal(**colombia(recipient=recipient, **dead())))
        assert verdict.decided_by == ("suppress.deceased",), recipient
        assert REPRESENTATIVE.id not in verdict.passed


def test_outside_the_us_a_living_debtors_representative_is_refused_as_policy(
    proposal: ProposalFactory,
) -> None:
    verdict = evaluate(proposal(**colombia(recipient=REP)))
    assert verdict.decided_by == (POLICY_THIRD_PARTY.id,)
    assert verdict.reasons[0].params["kind"] == "policy_default"
    assert "policy" in (verdict.reasons[0].citation or "").lower()


def test_the_debtor_is_the_default_recipient(proposal: ProposalFactory) -> None:
    verdict = evaluate(proposal())
    assert verdict.allowed
    assert not {REPRESENTATIVE.id, THIRD_PARTY.id} & set(verdict.passed)
