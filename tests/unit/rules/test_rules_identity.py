"""Caller identity, reassigned numbers and voicemail as the texts read (issue 26)."""

from __future__ import annotations

import datetime as dt

import pytest

from recaudo.contracts.events import Channel
from recaudo.foundation.errors import PolicyError
from recaudo.rules.engine import evaluate
from recaudo.rules.policy import parse_policy
from recaudo.rules.reassigned import ReassignedCheck
from recaudo.rules.voicemail import voicemail_rule
from tests.unit.rules.conftest import ProposalFactory

MX_NOON = dt.datetime(2025, 6, 10, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-6)))
MX = {"jurisdiction": "MX", "timezone": "America/Mexico_City", "at": MX_NOON}


def test_mx_call_from_an_unregistered_number_is_refused_with_the_reason(
    proposal: ProposalFactory,
) -> None:
    """REDECO holds the telephones used for collection: any other number is refused."""
    verdict = evaluate(proposal(**MX, from_number="+525512340000"))
    assert verdict.action == "suppress"
    [reason] = verdict.reasons
    assert reason.rule_id == "suppress.caller_id"
    assert "REDECO" in (reason.citation or "")
    assert reason.params["registered"] == "+525588880000"
    assert evaluate(proposal(**MX, from_number="+525588880000")).action == "allow"


def test_messages_count_too_and_email_has_no_caller_id(proposal: ProposalFactory) -> None:
    text = evaluate(proposal(**MX, channel=Channel.SMS, from_number="+525512340000"))
    assert text.decided_by == ("suppress.caller_id",)
    mail = evaluate(proposal(**MX, channel=Channel.EMAIL, from_number="+525512340000"))
    assert mail.action == "allow"


def test_br_caller_id_is_labelled_policy_not_law(proposal: ProposalFactory) -> None:
    """Anatel's 0304 for collection was approved but not found in force: policy only."""
    at = dt.datetime(2025, 6, 10, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    verdict = evaluate(
        proposal(jurisdiction="BR", timezone="America/Sao_Paulo", at=at, from_number="+5511999")
    )
    [reason] = verdict.reasons
    assert reason.params["kind"] == "policy_default"
    assert "0304" in (reason.citation or "")


def test_tenant_numbers_must_be_e164() -> None:
    with pytest.raises(PolicyError, match="caller_ids"):
        parse_policy('version = "1"\n[jurisdictions.MX]\ncaller_ids = ["55 1234"]\n')


def test_reassigned_yes_since_consent_suppresses_and_no_allows(proposal: ProposalFactory) -> None:
    """DA 21-1649: "yes" = disconnected on or after the date asked."""
    checked = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    yes = ReassignedCheck(result="yes", date=dt.date(2024, 3, 1), checked_at=checked)
    verdict = evaluate(proposal(consent_at=dt.date(2024, 3, 1), reassigned_check=yes))
    assert verdict.decided_by == ("suppress.reassigned_number",)
    # A consent given after the date asked is not decided by that "yes".
    later = evaluate(proposal(consent_at=dt.date(2025, 5, 1), reassigned_check=yes))
    assert later.action == "allow"
    no = ReassignedCheck(result="no", date=dt.date(2024, 3, 1), checked_at=checked)
    assert evaluate(proposal(consent_at=dt.date(2024, 3, 1), reassigned_check=no)).allowed


def test_voicemail_us_is_the_limited_content_message_of_1006_2_j() -> None:
    us = voicemail_rule("US-NY", None)
    assert us.allowed
    assert (us.rule.citation, us.rule.kind) == ("12 CFR 1006.2(j)", "law")
    mx = voicemail_rule("MX", None)
    assert mx.allowed
    assert mx.rule.kind == "policy_default"
    off = voicemail_rule("MX", False)
    assert not off.allowed
    assert off.rule.id == "voicemail.not_allowed"
