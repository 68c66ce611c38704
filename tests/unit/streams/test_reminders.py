"""Courtesy reminders in the decision core: held until their day, sent with
purpose=reminder inside the window, cancelled by a payment, none for the holdout,
and the roll-rate accounting they are measured by."""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from pathlib import Path

from recaudo.contracts.events import AccountEvent, PaymentEvent
from recaudo.contracts.outputs import Action, Release
from recaudo.rules.tenants import TenantPolicies
from recaudo.streams.baseline import PreferenceOrder
from recaudo.streams.decision.context import Effects
from recaudo.streams.decision.decider import Decider
from recaudo.streams.state import DebtorState
from recaudo.streams.wiring import RulesCompliance
from tests.unit.streams.test_decide import NOON_UTC, account, run

#: 2026-11-18 10:00 New York; the due date is five days ahead.
DUE = "2026-11-23"


def reminding_decider(folder: Path, holdout: float = 0.0, timing: str = "fixed") -> Decider:
    text = files("recaudo.rules").joinpath("default_policy.toml").read_text(encoding="utf-8")
    text = text.replace("enabled = false ", "enabled = true ", 1)
    text = text.replace('timing = "learned"', f'timing = "{timing}"', 1)
    text = text.replace("holdout = 0.05", f"holdout = {holdout}", 1)
    (folder / "acme.toml").write_text(text, encoding="utf-8")
    policies = TenantPolicies(["acme"], str(folder))
    return Decider(
        policy_for=policies,
        compliance=RulesCompliance(policies),
        learner=PreferenceOrder(),
        contact_ttl=dt.timedelta(hours=24),
    )


def current(event_id: str = "acct-c1", **overrides: object) -> AccountEvent:
    fields = {"due_date": DUE, "days_past_due": 0, "status": "current"} | overrides
    return account(event_id=event_id, **fields)


def release(fx: Effects) -> tuple[Release, dt.datetime]:
    [(entry, at)] = fx.schedule_add
    due = dt.datetime.fromtimestamp(at, dt.UTC)
    return (
        Release(
            event_id=f"rel-{entry.item_id}",
            tenant_id="acme",
            debtor_id="d1",
            item_id=entry.item_id,
            due_at=due,
            released_at=due,
        ),
        due,
    )


def test_a_current_account_gets_its_reminder_at_its_day_with_purpose_reminder(
    tmp_path: Path,
) -> None:
    decider, state = reminding_decider(tmp_path), DebtorState()
    # Five days ahead at 10:00: the -5 step's hour (08:00) has passed, so it goes now.
    fx = run(decider, state, current())
    [contact] = fx.contacts
    assert contact.purpose == "reminder"
    assert contact.template == "courtesy_v1_en"
    assert contact.channel == "email", "fixed timing: the step's first allowed channel"
    held, sent = fx.decisions  # the hold is decided first, the send once caps pass
    assert (sent.action, sent.purpose) == (Action.CONTACT, "reminder")
    assert "account.not_delinquent" not in {r.rule_id for r in sent.reasons}
    assert sent.policy_version.endswith("+reminder")
    # The next step (-1 day) is held until 08:00 New York on 2026-11-22.
    assert (held.action, held.purpose) == (Action.DEFER, "reminder")
    assert held.reasons[0].rule_id == "reminder.scheduled"
    release_event, due = release(fx)
    assert due == dt.datetime(2026, 11, 22, 13, 0, tzinfo=dt.UTC)
    later = run(decider, state, release_event, now=due)
    [second] = later.contacts
    assert (second.purpose, second.channel) == ("reminder", "whatsapp")
    assert run(decider, state, current("acct-c2"), now=due).decisions == []


def test_a_payment_before_the_reminder_goes_out_cancels_it(tmp_path: Path) -> None:
    decider, state = reminding_decider(tmp_path), DebtorState()
    fx = run(decider, state, current(), now=NOON_UTC)
    held = next(d for d in fx.decisions if d.action == Action.DEFER)
    payment = PaymentEvent.model_validate(
        {
            "event_id": "pay-r1",
            "tenant_id": "acme",
            "occurred_at": NOON_UTC,
            "debtor_id": "d1",
            "payment_id": "PR1",
            "account_id": "a1",
            "amount": {"amount_minor": 12_000, "currency": "USD"},
            "method": "card",
            "paid_at": NOON_UTC,
        }
    )
    paid = run(decider, state, payment)
    cancels = [d for d in paid.decisions if d.contact_id == held.contact_id]
    assert [(d.action, d.purpose) for d in cancels] == [(Action.CANCEL, "reminder")]
    assert cancels[0].reasons[0].rule_id == "payment.covers_due"
    assert held.contact_id in [e.item_id for e in paid.schedule_remove]
    assert state.pending == []
    # The contact already handed to dispatch is stopped in the ledger as well.
    assert [e.contact_id for e, _ in paid.cancel_emitted] == [fx.contacts[0].contact_id]
    assert paid.cancel_emitted[0][0].rem


def test_the_holdout_gets_no_reminder_and_the_audit_says_so(tmp_path: Path) -> None:
    decider, state = reminding_decider(tmp_path, holdout=0.999), DebtorState()
    fx = run(decider, state, current())
    assert fx.contacts == []
    assert fx.schedule_add == []
    [decision] = fx.decisions
    assert (decision.action, decision.purpose, decision.arm) == (
        Action.SUPPRESS,
        "reminder",
        "holdout",
    )
    assert run(decider, state, current("acct-c2")).decisions == [], "recorded once"


def test_an_opt_out_stops_reminders_too(tmp_path: Path) -> None:
    decider, state = reminding_decider(tmp_path), DebtorState()
    points = [{"channel": "email", "address": "d1@example.com", "consent": True, "opted_out": True}]
    fx = run(decider, state, current(contact_points=points))
    assert fx.contacts == []
    suppressed = next(d for d in fx.decisions if d.action == Action.SUPPRESS)
    assert suppressed.purpose == "reminder"
    assert [r.rule_id for r in suppressed.reasons] == ["suppress.opt_out"]


def test_a_delinquent_account_is_never_reminded_and_collection_stays_delinquent_only(
    tmp_path: Path,
) -> None:
    decider = reminding_decider(tmp_path)
    fx = run(decider, DebtorState(), account())
    assert [c.purpose for c in fx.contacts] == ["collection"]
    paid_up = run(
        decider, DebtorState(), current(amount_due={"amount_minor": 0, "currency": "USD"})
    )
    assert paid_up.decisions == []
    assert paid_up.contacts == []


def test_roll_accounting_counts_a_watched_due_date_and_its_roll(tmp_path: Path) -> None:
    decider, state = reminding_decider(tmp_path), DebtorState()
    run(decider, state, current())
    assert state.rem is not None
    assert (state.rem.c, state.rem.l1, state.rem.n) == (1, 0, 1)
    late = NOON_UTC + dt.timedelta(days=6)
    run(decider, state, account(event_id="acct-l1", due_date=DUE, days_past_due=1), now=late)
    run(decider, state, account(event_id="acct-l2", due_date=DUE, days_past_due=2), now=late)
    very_late = NOON_UTC + dt.timedelta(days=36)
    run(decider, state, account(event_id="acct-l30", due_date=DUE, days_past_due=31), now=very_late)
    assert (state.rem.c, state.rem.l1, state.rem.l30) == (1, 1, 1), "each roll counted once"
