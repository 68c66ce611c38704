"""After a death, contact goes only to the estate's representative, where the law
allows it (issue 26, part 1; US: 12 CFR 1006.6(a)(4)), on written channels, with the
message addressed to them — never to the deceased debtor's own addresses."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from recaudo.contracts.events import Channel, DeliveryEvent
from recaudo.contracts.outputs import Action
from recaudo.rules.tenants import TenantPolicies
from recaudo.streams.proposals import ESTATE_TEMPLATE
from recaudo.streams.state import DebtorState
from tests.unit.streams.test_decide import NOON_UTC, account, make_decider, run

REPRESENTATIVE: dict[str, Any] = {
    "name": "Ana Executor",
    "contact_points": [
        {"channel": "email", "address": "ana@example.com", "consent": True},
        {"channel": "voice", "address": "+12125550199", "consent": True},
    ],
}


def deceased(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "flags": {"deceased": True},
        "estate_representative": REPRESENTATIVE,
    }
    body.update(overrides)
    return body


def test_the_estates_representative_is_contacted_and_the_debtor_never() -> None:
    decider, state = make_decider(), DebtorState()
    fx = run(decider, state, account(**deceased()), NOON_UTC)
    [contact] = fx.contacts
    # The representative's e-mail: their voice number is not a written channel, and
    # the debtor's own WhatsApp, SMS and e-mail are never used.
    assert (contact.channel, contact.address) == ("email", "ana@example.com")
    assert contact.template.startswith("estate_")
    [decision] = [d for d in fx.decisions if d.action == Action.CONTACT]
    # The audit names the rule that lets a contact reach the estate after the death.
    assert decision.reasons[0].rule_id == "us.reg_f.estate_representative"
    assert state.rep is not None
    assert state.rep.n == "Ana Executor"


def test_without_a_representative_a_death_suppresses_every_contact() -> None:
    fx = run(make_decider(), DebtorState(), account(flags={"deceased": True}), NOON_UTC)
    assert fx.contacts == []
    assert {r.rule_id for d in fx.decisions for r in d.reasons} >= {"suppress.deceased"}


def test_outside_the_us_the_representative_is_kept_but_never_contacted() -> None:
    event = account(
        **deceased(
            jurisdiction="CO",
            timezone="America/Bogota",
            language="es",
            balance={"amount_minor": 9_000_000, "currency": "COP"},
            amount_due={"amount_minor": 1_200_000, "currency": "COP"},
            contact_points=[{"channel": "sms", "address": "+573001234567", "consent": True}],
        )
    )
    state = DebtorState()
    fx = run(make_decider(), state, event, NOON_UTC.replace(hour=17))
    assert fx.contacts == []
    assert state.rep is not None


def test_a_representative_of_a_living_debtor_is_refused_naming_the_field() -> None:
    with pytest.raises(
        ValidationError, match=r"estate_representative: given while flags\.deceased"
    ):
        account(estate_representative=REPRESENTATIVE)


def test_a_representatives_address_is_validated_like_the_debtors() -> None:
    bad = {
        **REPRESENTATIVE,
        "contact_points": [{"channel": "sms", "address": "12", "consent": True}],
    }
    with pytest.raises(ValidationError, match=r"estate_representative\.contact_points\.0\.address"):
        account(**deceased(estate_representative=bad))


def test_a_later_snapshot_without_the_representative_keeps_the_one_we_hold() -> None:
    decider, state = make_decider(), DebtorState()
    run(decider, state, account(**deceased()), NOON_UTC)
    run(decider, state, account(event_id="acct-2", flags={"deceased": True}), NOON_UTC)
    assert state.rep is not None
    assert [p.addr for p in state.rep.pts] == ["ana@example.com", "+12125550199"]


def test_a_policy_without_the_estate_message_contacts_no_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = TenantPolicies(["acme"], None)("acme")
    monkeypatch.delitem(policy.messages, ESTATE_TEMPLATE)
    decider, state = make_decider(policy=policy), DebtorState()
    fx = run(decider, state, account(**deceased()), NOON_UTC)
    assert fx.contacts == []
    assert "suppress.deceased" in {r.rule_id for d in fx.decisions for r in d.reasons}


def test_a_bounce_at_the_representatives_address_closes_that_address() -> None:
    decider, state = make_decider(), DebtorState()
    [contact] = run(decider, state, account(**deceased()), NOON_UTC).contacts
    bounce = DeliveryEvent.model_validate(
        {
            "event_id": "dr-1",
            "tenant_id": "acme",
            "occurred_at": NOON_UTC,
            "debtor_id": "d1",
            "contact_id": contact.contact_id,
            "account_id": "a1",
            "provider": "sendgrid",
            "channel": "email",
            "status": "bounced",
            "address": "ana@example.com",
            "permanent": True,
        }
    )
    run(decider, state, bounce, NOON_UTC)
    assert state.rep is not None
    assert [p.bounced for p in state.rep.pts if p.ch == "email"] == [True]
    # The debtor's own address is not the one that bounced.
    own = state.point(Channel.EMAIL)
    assert own is not None
    assert not own.bounced
