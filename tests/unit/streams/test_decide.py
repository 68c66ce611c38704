"""The pure decision core: determinism, suppression, cancellation, fallback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from recaudo.contracts.base import LegalFlag
from recaudo.contracts.codec import encode
from recaudo.contracts.events import (
    AccountEvent,
    DeliveryEvent,
    PaymentEvent,
    ResponseEvent,
)
from recaudo.contracts.outputs import Action, ContactCommand, Decision
from recaudo.contracts.ports import CapResult
from recaudo.rules.policy import TenantPolicy
from recaudo.rules.tenants import TenantPolicies
from recaudo.streams.baseline import PreferenceOrder
from recaudo.streams.decision.context import Context, Effects
from recaudo.streams.decision.decider import DecidableEvent, Decider
from recaudo.streams.decision_stage import NO_EFFECT
from recaudo.streams.state import DebtorState
from recaudo.streams.wiring import RulesCompliance

NOON_UTC = dt.datetime(2026, 11, 18, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York
NIGHT_UTC = dt.datetime(2026, 11, 18, 4, 0, tzinfo=dt.UTC)  # 23:00 in New York


def make_decider(
    settle: dt.timedelta = dt.timedelta(0), policy: TenantPolicy | None = None
) -> Decider:
    """A decider on the shipped policy, or on ``policy`` for every tenant."""
    policies: Callable[[str], TenantPolicy] = (
        TenantPolicies(["acme"], None) if policy is None else lambda tenant: policy
    )
    return Decider(
        policy_for=policies,
        compliance=RulesCompliance(policies),
        learner=PreferenceOrder(),
        contact_ttl=dt.timedelta(hours=24),
        settle=settle,
    )


def account(**overrides: Any) -> AccountEvent:
    base: dict[str, Any] = {
        "event_id": "acct-1",
        "tenant_id": "acme",
        # The lender's snapshot as of the night before: the tests' payments come after it.
        "occurred_at": NIGHT_UTC - dt.timedelta(hours=1),
        "debtor_id": "d1",
        "account_id": "a1",
        "balance": {"amount_minor": 90_000, "currency": "USD"},
        "amount_due": {"amount_minor": 12_000, "currency": "USD"},
        "due_date": "2026-10-28",
        "days_past_due": 21,
        "status": "delinquent",
        "product": "card",
        "jurisdiction": "US",
        "timezone": "America/New_York",
        "language": "en",
        "contact_points": [
            {"channel": "whatsapp", "address": "+12125550100", "consent": True},
            {"channel": "sms", "address": "+12125550100", "consent": True},
            {"channel": "email", "address": "d1@example.com", "consent": True},
        ],
    }
    base.update(overrides)
    return AccountEvent.model_validate(base)


def run(
    decider: Decider, state: DebtorState, event: DecidableEvent, now: dt.datetime = NOON_UTC
) -> Effects:
    version = decider.policy_version("acme")
    ctx = Context("acme", "d1", event.event_id, event.type, now, now.timestamp(), version)
    fx = decider.apply(state, event, ctx)
    for proposed in fx.proposed:
        decider.resolve(state, proposed, CapResult(ok=True), ctx, fx)
    return fx


def test_delinquent_account_in_window_yields_one_contact_on_the_steps_first_channel() -> None:
    fx = run(make_decider(), DebtorState(), account())
    [decision] = fx.decisions
    [command] = fx.contacts
    assert decision.action == Action.CONTACT
    assert command.channel == "whatsapp"  # default policy, 16-60 dpd: whatsapp first
    assert command.contact_id == decision.contact_id
    assert command.template == "past_due_v1_en"
    assert decision.policy_version.startswith("2025.1/US-"), decision.policy_version
    expected = TenantPolicies(["acme"], None)("acme").assign("acme", "d1")
    assert (decision.strategy, decision.arm) == (expected.strategy, expected.arm)
    assert (command.strategy, command.arm) == (expected.strategy, expected.arm)
    assert command.expires_at - command.send_at == dt.timedelta(hours=24)


def test_a_dun_waits_out_the_settle_and_is_judged_at_the_instant_it_would_go() -> None:
    settle = dt.timedelta(seconds=5)
    [command] = run(make_decider(settle), DebtorState(), account()).contacts
    assert command.send_at == NOON_UTC + settle
    assert command.expires_at - command.send_at == dt.timedelta(hours=24)
    # Seconds before the window closes: allowed now, but not once the settle is over.
    closing = dt.datetime(2026, 11, 19, 2, 0, tzinfo=dt.UTC) - dt.timedelta(seconds=2)
    assert [d.action for d in run(make_decider(), DebtorState(), account(), closing).decisions] == [
        Action.CONTACT
    ]
    late = run(make_decider(settle), DebtorState(), account(), closing).decisions
    assert [d.action for d in late] == [Action.DEFER]


def test_same_event_on_same_state_gives_same_ids_so_replays_are_harmless() -> None:
    first, second = DebtorState(), DebtorState()
    fx1, fx2 = run(make_decider(), first, account()), run(make_decider(), second, account())
    assert fx1.contacts[0].contact_id == fx2.contacts[0].contact_id
    assert fx1.decisions[0].decision_id == fx2.decisions[0].decision_id
    assert first.encode() == second.encode()


def test_a_step_is_contacted_once_per_cycle_and_again_in_a_new_cycle() -> None:
    decider, state = make_decider(), DebtorState()
    run(decider, state, account())
    assert run(decider, state, account(event_id="acct-2")).decisions == []
    new_cycle = run(decider, state, account(event_id="acct-3", due_date="2026-11-05"))
    assert [d.action for d in new_cycle.decisions] == [Action.CONTACT]


def test_outside_the_window_the_contact_is_deferred_not_dropped() -> None:
    decider, state = make_decider(), DebtorState()
    fx = run(decider, state, account(), now=NIGHT_UTC)
    [decision] = fx.decisions
    assert decision.action == Action.DEFER
    assert decision.defer_until is not None
    assert decision.defer_until > NIGHT_UTC
    assert [entry.item_id for entry, _ in fx.schedule_add] == [decision.contact_id]
    assert [p.contact_id for p in state.pending] == [decision.contact_id]


def test_full_payment_cancels_the_deferred_contact_and_unschedules_it() -> None:
    decider, state = make_decider(), DebtorState()
    deferred = run(decider, state, account(), now=NIGHT_UTC).decisions[0]
    payment = PaymentEvent.model_validate(
        {
            "event_id": "pay-1",
            "tenant_id": "acme",
            "occurred_at": NIGHT_UTC,
            "debtor_id": "d1",
            "payment_id": "P1",
            "account_id": "a1",
            "amount": {"amount_minor": 12_000, "currency": "USD"},
            "method": "card",
            "paid_at": NIGHT_UTC,
        }
    )
    fx = run(decider, state, payment, now=NIGHT_UTC)
    [cancel] = fx.decisions
    assert cancel.action == Action.CANCEL
    assert cancel.contact_id == deferred.contact_id
    assert cancel.reasons[0].rule_id == "payment.covers_due"
    assert [e.item_id for e in fx.schedule_remove] == [deferred.contact_id]
    assert state.pending == []


def test_full_payment_asks_the_ledger_to_stop_an_emitted_contact() -> None:
    decider, state = make_decider(), DebtorState()
    contact = run(decider, state, account()).contacts[0]
    payment = PaymentEvent.model_validate(
        {
            "event_id": "pay-2",
            "tenant_id": "acme",
            "occurred_at": NOON_UTC + dt.timedelta(minutes=1),
            "debtor_id": "d1",
            "payment_id": "P2",
            "account_id": "a1",
            "amount": {"amount_minor": 20_000, "currency": "USD"},
            "method": "card",
            "paid_at": NOON_UTC,
        }
    )
    fx = run(decider, state, payment)
    assert [e.contact_id for e, _ in fx.cancel_emitted] == [contact.contact_id]
    assert state.accounts["a1"].due == 0


def test_a_contact_past_its_expiry_is_not_asked_after_but_kept_for_its_reward() -> None:
    """The ledger's entry may be gone by then (a wall TTL): a cancel would be
    answered "cancelled" for a message that went out."""
    decider, state = make_decider(), DebtorState()
    contact = run(decider, state, account()).contacts[0]
    later = contact.expires_at + dt.timedelta(hours=1)
    payment = PaymentEvent.model_validate(
        {
            "event_id": "pay-3",
            "tenant_id": "acme",
            "occurred_at": later,
            "debtor_id": "d1",
            "payment_id": "P3",
            "account_id": "a1",
            "amount": {"amount_minor": 20_000, "currency": "USD"},
            "method": "card",
            "paid_at": later,
        }
    )
    fx = run(decider, state, payment, now=later)
    assert fx.cancel_emitted == []
    assert [e.contact_id for e in state.emitted] == [contact.contact_id]
    assert state.accounts["a1"].due == 0


@pytest.mark.parametrize("flag", list(LegalFlag))
def test_flags_suppress_with_their_rule(flag: LegalFlag) -> None:
    fx = run(make_decider(), DebtorState(), account(flags={flag: True}))
    [decision] = fx.decisions
    assert decision.action == Action.SUPPRESS
    assert f"suppress.{flag}" in {r.rule_id for r in decision.reasons}
    assert fx.contacts == []


def test_opt_out_reply_suppresses_that_channel_only() -> None:
    decider, state = make_decider(), DebtorState()
    run(decider, state, account(), now=NIGHT_UTC)
    reply = ResponseEvent.model_validate(
        {
            "event_id": "r1",
            "tenant_id": "acme",
            "occurred_at": NIGHT_UTC,
            "debtor_id": "d1",
            "channel": "whatsapp",
            "text": "STOP",
            "intent": "opt_out",
        }
    )
    fx = run(decider, state, reply, now=NIGHT_UTC)
    assert [d.action for d in fx.decisions] == [Action.CANCEL, Action.SUPPRESS]
    point = state.point(state.points[0].ch)
    assert point is not None
    assert point.out
    again = run(decider, state, account(event_id="acct-9", due_date="2026-11-06"))
    assert again.contacts[0].channel == "sms", "whatsapp is opted out; sms is next"


def test_hard_bounce_marks_the_address_and_falls_back_to_another_channel() -> None:
    decider, state = make_decider(), DebtorState()
    contact = run(decider, state, account()).contacts[0]
    bounce = DeliveryEvent.model_validate(
        {
            "event_id": "dl-1",
            "tenant_id": "acme",
            "occurred_at": NOON_UTC,
            "debtor_id": "d1",
            "contact_id": contact.contact_id,
            "account_id": "a1",
            "provider": "meta",
            "channel": "whatsapp",
            "status": "failed",
            "permanent": True,
        }
    )
    fx = run(decider, state, bounce)
    [fallback] = fx.contacts
    assert fallback.channel == "sms"
    assert fallback.contact_id != contact.contact_id
    assert fx.decisions[0].trigger_type == "delivery"


def test_no_reachable_channel_is_a_suppression_with_a_reason() -> None:
    fx = run(make_decider(), DebtorState(), account(contact_points=[]))
    [decision] = fx.decisions
    assert decision.action == Action.SUPPRESS
    assert decision.reasons[0].rule_id == "channel.none_reachable"


def test_cap_rejection_turns_the_contact_into_a_deferral_until_the_cap_frees() -> None:
    decider, state = make_decider(), DebtorState()
    event = account()
    ctx = Context("acme", "d1", event.event_id, event.type, NOON_UTC, NOON_UTC.timestamp(), "p")
    fx = decider.apply(state, event, ctx)
    frees = NOON_UTC + dt.timedelta(days=2)
    decider.resolve(state, fx.proposed[0], CapResult(ok=False, retry_at=frees), ctx, fx)
    [decision] = fx.decisions
    assert decision.action == Action.DEFER
    assert decision.defer_until == frees
    assert fx.contacts == []


def test_debtor_state_stays_within_a_few_hundred_bytes() -> None:
    decider, state = make_decider(), DebtorState()
    run(decider, state, account())
    assert len(state.to_json()) < 760  # each contact point's consent date included
    assert len(state.encode()) < 300  # as stored: deflated (contracts.state_codec)
    assert DebtorState.decode(state.encode()) == state


def test_every_record_built_without_validation_passes_the_contract() -> None:
    decider, state = make_decider(), DebtorState()
    effects = [run(decider, state, account(), now=NIGHT_UTC), run(decider, state, account())]
    effects.append(run(decider, state, account(event_id="acct-x", due_date="2026-11-01")))
    records = [r for fx in effects for r in (*fx.decisions, *fx.contacts)]
    assert {type(r) for r in records} == {Decision, ContactCommand}
    for record in records:
        assert type(record).model_validate_json(encode(record)) == record
    assert DebtorState.model_validate_json(state.to_json()).to_json() == state.to_json()


def test_every_decision_names_the_model_versions_even_without_scores() -> None:
    fx = run(make_decider(), DebtorState(), account(flags={"dispute": True}))
    [decision] = fx.decisions
    assert decision.action == Action.SUPPRESS
    assert decision.model_versions == {"channel": "static"}


@pytest.mark.parametrize("status", sorted(NO_EFFECT))
def test_progress_receipts_the_stage_skips_really_change_nothing(status: str) -> None:
    decider, state = make_decider(), DebtorState()
    contact = run(decider, state, account()).contacts[0]
    before = state.encode()
    receipt = DeliveryEvent.model_validate(
        {
            "event_id": f"dl-{status}",
            "tenant_id": "acme",
            "occurred_at": NOON_UTC,
            "debtor_id": "d1",
            "contact_id": contact.contact_id,
            "provider": "twilio",
            "channel": contact.channel,
            "status": status,
        }
    )
    fx = run(decider, state, receipt)
    assert fx.decisions == []
    assert fx.outcomes == []
    assert state.encode() == before
