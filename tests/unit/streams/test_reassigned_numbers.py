"""Reassigned numbers in the decision core (issue 26, part 7): each contact point keeps
its consent date, every call and text carries it to dispatch, and a number the
database reports disconnected since consent is never called or texted again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from recaudo.contracts.events import Channel, DeliveryEvent
from recaudo.contracts.outputs import Action, ContactCommand
from recaudo.contracts.state import PointState
from recaudo.rules.reassigned import REASSIGNED
from recaudo.streams.contact_points import consent_date, merge_points
from recaudo.streams.state import DebtorState
from tests.unit.streams.test_decide import NOON_UTC, account, make_decider, run

PHONE = "+12125550100"
CONSENT = dt.date(2024, 3, 1)
# The account snapshot's date where the debtor lives: 03:00 UTC is 22:00 in New York.
SNAPSHOT_DAY = dt.date(2026, 11, 17)


def points(**consent_dates: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = [
        {"channel": "sms", "address": PHONE, "consent": True},
        {"channel": "voice", "address": PHONE, "consent": True},
        {"channel": "email", "address": "d1@example.com", "consent": True},
    ]
    for point in listed:
        if point["channel"] in consent_dates:
            point["consent_date"] = consent_dates[point["channel"]]
    return listed


def failed(contact: ContactCommand, code: str = "reassigned_number") -> DeliveryEvent:
    return DeliveryEvent.model_validate(
        {
            "event_id": f"dl-{contact.contact_id}",
            "tenant_id": "acme",
            "occurred_at": NOON_UTC,
            "debtor_id": "d1",
            "contact_id": contact.contact_id,
            "account_id": "a1",
            "provider": "recaudo",
            "channel": contact.channel,
            "status": "failed",
            "address": contact.address,
            "provider_error_code": code,
            "permanent": True,
        }
    )


# -- the consent date of a contact point ----------------------------------------------


def test_a_given_consent_date_is_kept_and_a_missing_one_is_the_first_snapshots_day() -> None:
    merged = merge_points([], account(contact_points=points(sms="2024-03-01")))
    assert consent_date(merged, Channel.SMS, PHONE) == CONSENT
    # No date given: the debtor's local date the address first reached us (our policy).
    assert consent_date(merged, Channel.VOICE, PHONE) == SNAPSHOT_DAY
    assert consent_date(merged, Channel.SMS, "+12125550199") is None


def test_a_later_snapshot_keeps_the_first_day_and_a_new_date_replaces_it() -> None:
    first = merge_points([], account(contact_points=points()))
    later = account(
        event_id="acct-2",
        occurred_at=NOON_UTC + dt.timedelta(days=40),
        contact_points=points(email="2026-12-01"),
    )
    merged = merge_points(first, later)
    assert consent_date(merged, Channel.SMS, PHONE) == SNAPSHOT_DAY
    assert consent_date(merged, Channel.EMAIL, "d1@example.com") == dt.date(2026, 12, 1)


def test_a_point_without_a_stored_date_has_none() -> None:
    # State written before consent dates existed.
    old = [PointState(ch=Channel.SMS, addr=PHONE, consent=True)]
    assert consent_date(old, Channel.SMS, PHONE) is None


# -- the decision core -------------------------------------------------------------------


def test_every_contact_carries_its_points_consent_date() -> None:
    [contact] = run(
        make_decider(), DebtorState(), account(contact_points=points(sms="2024-03-01"))
    ).contacts
    assert contact.channel == Channel.SMS
    assert contact.consent_date == CONSENT


def test_a_reassigned_number_is_never_called_or_texted_again_and_the_reason_audited() -> None:
    decider, state = make_decider(), DebtorState()
    snapshot = account(contact_points=points(sms="2024-03-01", voice="2024-03-01"))
    [contact] = run(decider, state, snapshot).contacts
    assert contact.channel == Channel.SMS
    fx = run(decider, state, failed(contact))
    by_channel = {p.ch: p for p in state.points}
    assert by_channel[Channel.SMS].bounced
    assert by_channel[Channel.VOICE].bounced, "the same number, called, is as gone"
    assert not by_channel[Channel.EMAIL].bounced
    audit = fx.decisions[0]
    assert audit.action == Action.SUPPRESS
    assert audit.contact_id == contact.contact_id
    assert audit.channel == Channel.SMS
    [reason] = audit.reasons
    assert reason.rule_id == REASSIGNED.id == "suppress.reassigned_number"
    assert reason.citation == REASSIGNED.citation
    assert reason.params == {"channel": "sms", "consent_date": "2024-03-01"}
    # The fallback is still proposed, and it is neither a text nor a call.
    assert [c.channel for c in fx.contacts] == [Channel.EMAIL]
    # A new cycle, the same number listed again: still no text or call.
    again = account(event_id="acct-9", due_date="2026-11-06", contact_points=points())
    later = run(decider, state, again)
    assert [c.channel for c in later.contacts] == [Channel.EMAIL]


def test_another_permanent_failure_is_no_reassigned_audit() -> None:
    decider, state = make_decider(), DebtorState()
    [contact] = run(decider, state, account(contact_points=points())).contacts
    fx = run(decider, state, failed(contact, code="21211"))
    assert all(d.action != Action.SUPPRESS for d in fx.decisions)
    by_channel = {p.ch: p for p in state.points}
    assert by_channel[Channel.SMS].bounced
    assert not by_channel[Channel.VOICE].bounced
