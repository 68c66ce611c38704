"""Legal flags dated before they arrive (issue 26, part 1): suppression holds at
once, pending contacts are cancelled in the same event, and the contacts made
since the effective date are recorded with the account for remediation."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from recaudo.contracts.outputs import Action
from recaudo.streams.legal_dates import REMEDIATION
from recaudo.streams.state import DebtorState
from tests.unit.streams.test_decide import NOON_UTC, account, make_decider, run

DAY = dt.timedelta(days=1)


def contacted_on(days_ago: list[int]) -> DebtorState:
    """A debtor contacted at noon on each of those days before NOON_UTC."""
    decider, state = make_decider(), DebtorState()
    for n, ago in enumerate(sorted(days_ago, reverse=True)):
        when = NOON_UTC - ago * DAY
        fx = run(
            decider,
            state,
            account(
                event_id=f"snap-{n}",
                due_date=f"2026-10-{10 + n}",
                occurred_at=when - dt.timedelta(hours=1),
            ),
            when,
        )
        assert [d.action for d in fx.decisions] == [Action.CONTACT], fx.decisions
    return state


def flagged(
    flag: str, effective: str | None, event_id: str = "flag-1", due_date: str = "2026-10-20"
) -> dict[str, object]:
    return {
        "event_id": event_id,
        "due_date": due_date,
        "occurred_at": NOON_UTC - dt.timedelta(hours=1),
        "flags": {flag: True},
        "flag_dates": {flag: effective} if effective else {},
    }


@pytest.mark.parametrize("flag", ["bankruptcy", "deceased", "cease_and_desist", "legal_hold"])
def test_a_flag_dated_before_it_arrived_lists_the_contacts_made_since(flag: str) -> None:
    state = contacted_on([6, 2])
    effective = (NOON_UTC - 3 * DAY).date().isoformat()
    fx = run(make_decider(), state, account(**flagged(flag, effective)), NOON_UTC)
    [record] = [d for d in fx.decisions if any(r.rule_id == REMEDIATION for r in d.reasons)]
    assert record.action == Action.SUPPRESS
    [reason] = record.reasons
    assert reason.params["flag"] == flag
    assert reason.params["effective_date"] == effective
    assert reason.params["contacts"] == 1  # 2 days ago; not the one 6 days ago
    assert reason.params["complete"] is True
    [late] = state.accounts["a1"].late
    assert (late.f, late.d, late.full) == (flag, effective, True)
    assert [c.at for c in late.cs] == [(NOON_UTC - 2 * DAY).timestamp()]
    # And no contact goes out now.
    assert fx.contacts == []


def test_the_same_flag_again_records_nothing_new_and_an_earlier_date_widens_it() -> None:
    state = contacted_on([6, 2])
    three = (NOON_UTC - 3 * DAY).date().isoformat()
    run(make_decider(), state, account(**flagged("bankruptcy", three)), NOON_UTC)
    again = run(make_decider(), state, account(**flagged("bankruptcy", three, "flag-2")), NOON_UTC)
    assert not [d for d in again.decisions if d.reasons and d.reasons[0].rule_id == REMEDIATION]
    seven = (NOON_UTC - 7 * DAY).date().isoformat()
    wider = run(make_decider(), state, account(**flagged("bankruptcy", seven, "flag-3")), NOON_UTC)
    [record] = [d for d in wider.decisions if d.reasons[0].rule_id == REMEDIATION]
    assert record.reasons[0].params["contacts"] == 2
    assert [(x.d, len(x.cs)) for x in state.accounts["a1"].late] == [(three, 1), (seven, 2)]
    # A later date never moves the effective date forward.
    later = (NOON_UTC - 1 * DAY).date().isoformat()
    run(make_decider(), state, account(**flagged("bankruptcy", later, "flag-4")), NOON_UTC)
    assert state.accounts["a1"].fd == {"bankruptcy": seven}


def test_a_date_beyond_what_the_state_remembers_is_listed_as_incomplete() -> None:
    state = DebtorState()
    long_ago = (NOON_UTC - 40 * DAY).date().isoformat()
    fx = run(make_decider(), state, account(**flagged("deceased", long_ago)), NOON_UTC)
    [record] = [d for d in fx.decisions if d.reasons[0].rule_id == REMEDIATION]
    assert record.reasons[0].params == {
        "flag": "deceased",
        "effective_date": long_ago,
        "contacts": 0,
        "channels": "",
        "complete": False,
    }


def test_a_dateless_flag_with_nothing_sent_since_adds_no_record() -> None:
    state = contacted_on([6])
    fx = run(make_decider(), state, account(**flagged("legal_hold", None)), NOON_UTC)
    assert not [d for d in fx.decisions if d.reasons[0].rule_id == REMEDIATION]
    assert state.accounts["a1"].late == []
    assert state.accounts["a1"].fd == {"legal_hold": "2026-11-18"}


def test_a_deferred_contact_is_cancelled_in_the_same_event_with_the_effective_date() -> None:
    decider, state = make_decider(), DebtorState()
    night = dt.datetime(2026, 11, 18, 4, 0, tzinfo=dt.UTC)
    [deferred] = run(decider, state, account(), night).decisions
    assert deferred.action == Action.DEFER
    effective = "2026-11-10"
    snapshot = flagged("cease_and_desist", effective, due_date="2026-10-28")
    fx = run(decider, state, account(**snapshot), night)
    [cancel] = [d for d in fx.decisions if d.action == Action.CANCEL]
    assert cancel.contact_id == deferred.contact_id
    assert cancel.reasons[0].rule_id == "suppress.cease_and_desist"
    assert cancel.reasons[0].params == {"effective_date": effective}
    assert state.pending == []


@pytest.mark.parametrize(
    ("flag_dates", "field", "why"),
    [
        ({"deceased": "2026-11-01"}, "flag_dates.deceased", "while flags.deceased is false"),
        ({"bankruptcy": "2026-11-19"}, "flag_dates.bankruptcy", "after occurred_at's date"),
    ],
)
def test_an_effective_date_that_cannot_stand_names_its_field(
    flag_dates: dict[str, str], field: str, why: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        account(flags={"bankruptcy": True}, flag_dates=flag_dates)
    assert field in str(caught.value)
    assert why in str(caught.value)
