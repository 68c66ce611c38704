"""The decision stage renders each contact: the command carries the message, the
record its template version and SMS segments, and a message missing a required
notice is suppressed naming the rule."""

from __future__ import annotations

import datetime as dt

from recaudo.channels.content import Composer, PayLinks
from recaudo.contracts.outputs import Action
from recaudo.rules.policy import TenantPolicy, parse_policy
from recaudo.streams.baseline import PreferenceOrder
from recaudo.streams.decision.decider import Decider
from recaudo.streams.state import DebtorState
from recaudo.streams.wiring import RulesCompliance
from tests.conftest import POLICIES
from tests.unit.streams.test_decide import NOON_UTC, account, run

ACME = (POLICIES / "acme.toml").read_text(encoding="utf-8")


def decider(policy: TenantPolicy) -> Decider:
    def policies(_tenant: str) -> TenantPolicy:
        return policy

    return Decider(
        policy_for=policies,
        compliance=RulesCompliance(policies),
        learner=PreferenceOrder(),
        contact_ttl=dt.timedelta(hours=24),
        composer=Composer(
            policies, PayLinks("secret", "https://r.example.com", dt.timedelta(days=3))
        ),
    )


def sms_account() -> object:
    return account(
        contact_points=[{"channel": "sms", "address": "+12125550100", "consent": True}],
        debtor_name="Ana",
        creditor_name="Acme Bank",
        account_reference="****1234",
        payment_reference="PR-1",
    )


def test_the_contact_command_carries_the_rendered_sms() -> None:
    fx = run(decider(parse_policy(ACME)), DebtorState(), sms_account())  # type: ignore[arg-type]
    [command] = fx.contacts
    [decision] = fx.decisions
    content = command.content
    assert content is not None
    assert content.text.startswith("Past due notice Acme Bank: Hi Ana, your payment of $120.00")
    assert "https://r.example.com/pay/" in content.text
    assert (
        content.pay_target == "https://pay.example.com/checkout?ref=PR-1&account=%2A%2A%2A%2A1234"
    )
    # What dispatch keeps for a click (``PayDestination``): the references, not the page.
    assert (content.payment_reference, content.account_reference) == ("PR-1", "****1234")
    assert (content.encoding, content.template_id) == ("GSM-7", "past_due/en/sms")
    assert command.template_version == decision.template_version == "2025.1"
    assert decision.segments == content.segments == 2
    assert decision.action is Action.CONTACT


def test_a_message_missing_a_required_notice_is_suppressed_naming_the_rule() -> None:
    policy = parse_policy(ACME.replace("[notices.opt_out", "[notices.unused_opt_out"))
    fx = run(decider(policy), DebtorState(), sms_account(), NOON_UTC)  # type: ignore[arg-type]
    assert fx.contacts == []
    [decision] = fx.decisions
    assert decision.action is Action.SUPPRESS
    assert decision.reasons[-1].rule_id == "notice.us.opt_out"
    assert "12 CFR 1006.6(e)" in (decision.reasons[-1].citation or "")
