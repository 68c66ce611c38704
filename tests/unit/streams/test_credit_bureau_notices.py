"""Colombia's prior notice before a negative credit-bureau report, sent by the
service (issue 26, part 5; Ley 1266 de 2008 art. 12 as amended by Ley 2157 de
2021): a written `notice` contact, one a day until enough are delivered; each
delivery receipt's day is the proof the earliest reporting date counts from."""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from recaudo.contracts.events import DeliveryEvent
from recaudo.contracts.outputs import Action, ContactCommand, Release
from recaudo.foundation.errors import PolicyError
from recaudo.rules.credit_bureau import earliest_report_date
from recaudo.rules.policy import TenantPolicy, parse_policy
from recaudo.streams.credit_bureau_notices import is_notice
from recaudo.streams.decision_stage import _no_effect
from recaudo.streams.state import DebtorState
from tests.unit.streams.test_decide import NOON_UTC, account, make_decider, run

DAY = dt.timedelta(days=1)
SHIPPED = files("recaudo.rules").joinpath("default_policy.toml").read_text(encoding="utf-8")


def policy(section: str = "[credit_bureau]\nenabled = true\nat_dpd = 30\n") -> TenantPolicy:
    return parse_policy(SHIPPED + "\n" + section, "tenant.toml")


def colombian(n: int, due_minor: int = 15_000_000, **overrides: Any) -> Any:
    """Snapshot ``n`` of a Colombian account 45 days past due (COP 150,000: small)."""
    body: dict[str, Any] = {
        "event_id": f"co-{n}",
        "occurred_at": NOON_UTC + (n - 1) * DAY - dt.timedelta(hours=1),
        "jurisdiction": "CO",
        "timezone": "America/Bogota",
        "language": "es",
        "days_past_due": 45,
        "due_date": "2026-10-04",
        "balance": {"amount_minor": 900_000_000, "currency": "COP"},
        "amount_due": {"amount_minor": due_minor, "currency": "COP"},
        "contact_points": [
            {"channel": "email", "address": "d1@example.com", "consent": True},
            {"channel": "sms", "address": "+573001234567", "consent": True},
        ],
    }
    body.update(overrides)
    return account(**body)


def notices(contacts: list[ContactCommand]) -> list[ContactCommand]:
    return [c for c in contacts if is_notice(c.contact_id)]


def delivered(contact: ContactCommand, at: dt.datetime) -> DeliveryEvent:
    return DeliveryEvent.model_validate(
        {
            "event_id": f"dr-{contact.contact_id}",
            "tenant_id": "acme",
            "occurred_at": at,
            "debtor_id": "d1",
            "contact_id": contact.contact_id,
            "account_id": contact.account_id,
            "provider": "sendgrid",
            "channel": contact.channel,
            "status": "delivered",
        }
    )


def test_a_small_debt_gets_two_notices_on_different_days_then_none() -> None:
    decider, state = make_decider(policy=policy()), DebtorState()
    [first] = notices(run(decider, state, colombian(1), NOON_UTC).contacts)
    assert first.purpose == "notice"
    assert first.channel in ("email", "sms")
    assert first.template.startswith("credit_bureau_notice")
    # Sent, not yet delivered: no second notice, and no proof either.
    assert notices(run(decider, state, colombian(2), NOON_UTC + DAY / 4).contacts) == []
    assert state.accounts["a1"].bn == []
    run(decider, state, delivered(first, NOON_UTC + DAY / 2), NOON_UTC + DAY / 2)
    assert state.accounts["a1"].bn == ["2026-11-18"]  # the day in Bogotá
    # The next day, the second notice (a small debt needs two, on different days);
    # the policy's weekly caps count it like any contact, so it waits for them.
    fx = run(decider, state, colombian(3), NOON_UTC + DAY)
    [deferred] = [d for d in fx.decisions if d.purpose == "notice"]
    assert deferred.action == Action.DEFER
    assert deferred.defer_until is not None
    assert deferred.contact_id is not None
    assert is_notice(deferred.contact_id)
    assert deferred.contact_id != first.contact_id
    due = deferred.defer_until
    release = Release(
        event_id="rel-1",
        tenant_id="acme",
        debtor_id="d1",
        item_id=deferred.contact_id,
        due_at=due,
        released_at=due,
    )
    [second] = run(decider, state, release, due).contacts
    assert (second.contact_id, second.purpose) == (deferred.contact_id, "notice")
    assert second.template.startswith("credit_bureau_notice")
    run(decider, state, delivered(second, due), due)
    second_day = due.astimezone(ZoneInfo("America/Bogota")).date()
    assert state.accounts["a1"].bn == ["2026-11-18", second_day.isoformat()]
    later = colombian(4, occurred_at=due + DAY)
    assert notices(run(decider, state, later, due + DAY).contacts) == []
    days = [dt.date.fromisoformat(d) for d in state.accounts["a1"].bn]
    assert earliest_report_date(days, small=True) == second_day + 21 * DAY


def test_the_lenders_snapshot_keeps_the_notices_we_delivered() -> None:
    decider, state = make_decider(policy=policy()), DebtorState()
    [first] = notices(run(decider, state, colombian(1, due_minor=500_000_000), NOON_UTC).contacts)
    run(decider, state, delivered(first, NOON_UTC), NOON_UTC)
    later = colombian(2, due_minor=500_000_000, credit_bureau_notices=["2026-11-02"])
    # Not small (COP 5,000,000): one notice is enough, so no other goes out.
    assert notices(run(decider, state, later, NOON_UTC + DAY).contacts) == []
    assert state.accounts["a1"].bn == ["2026-11-02", "2026-11-18"]


@pytest.mark.parametrize(
    ("chosen", "event"),
    [
        (policy("[credit_bureau]\nenabled = false\n"), colombian(1)),
        (policy(), colombian(1, days_past_due=20)),
        (policy(), account()),  # a US debtor
        (policy(), colombian(1, status="current", days_past_due=0)),
    ],
    ids=["disabled", "too-early", "not-colombian", "not-in-arrears"],
)
def test_no_notice_where_it_does_not_apply(chosen: TenantPolicy, event: Any) -> None:
    assert notices(run(make_decider(policy=chosen), DebtorState(), event, NOON_UTC).contacts) == []


def test_a_notice_delivered_receipt_reaches_the_stage_and_other_receipts_do_not() -> None:
    fx = run(make_decider(policy=policy()), DebtorState(), colombian(1), NOON_UTC)
    [notice] = notices(fx.contacts)
    assert not _no_effect(delivered(notice, NOON_UTC))
    dun = [c for c in fx.contacts if not is_notice(c.contact_id)]
    for contact in dun:
        assert _no_effect(delivered(contact, NOON_UTC))


@pytest.mark.parametrize(
    ("section", "words"),
    [
        ('[credit_bureau]\nenabled = true\nchannels = ["voice"]\n', "written channel"),
        ('[credit_bureau]\nenabled = true\ntemplate = "nope"\n', "credit_bureau.template"),
    ],
)
def test_a_policy_that_cannot_send_a_notice_is_refused(section: str, words: str) -> None:
    with pytest.raises(PolicyError, match=words):
        policy(section)
