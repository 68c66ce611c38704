"""A debt collector's validation notice through the decision core (issue 26, part 3):
a dispute within the validation period pauses the account's collection until
verification is recorded (15 U.S.C. 1692g(b); 12 CFR 1006.38(d)(2)), whatever
order the notice, the dispute and the verification arrive in."""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from recaudo.contracts.events import ValidationNoticeEvent
from recaudo.contracts.outputs import Action
from recaudo.rules.policy import TenantPolicy, default_policy, parse_policy
from recaudo.streams.decision.decider import DecidableEvent
from recaudo.streams.state import DebtorState
from recaudo.streams.validation import PAUSE
from tests.unit.streams.test_decide import NOON_UTC, account, make_decider, run

DAY = dt.timedelta(days=1)
#: Provided on 2 November 2026: assumed received on 9 November (five business
#: days), so the period ends on 9 December; NOON_UTC is 18 November, within it.
PROVIDED = "2026-11-02"


def collector() -> TenantPolicy:
    """The shipped policy with a third-party collector as its sender."""
    text = files("recaudo.rules").joinpath("default_policy.toml").read_text(encoding="utf-8")
    sender = text.replace("third_party_collector = false", "third_party_collector = true", 1)
    return parse_policy(sender, "collector.toml")


def notice(event_id: str = "vn-1", **overrides: Any) -> ValidationNoticeEvent:
    body: dict[str, Any] = {
        "type": "validation_notice",
        "event_id": event_id,
        "tenant_id": "acme",
        "occurred_at": NOON_UTC - dt.timedelta(hours=2),
        "debtor_id": "d1",
        "account_id": "a1",
        "provided_on": PROVIDED,
        "method": "mail",
    }
    body.update(overrides)
    return ValidationNoticeEvent.model_validate(body)


def disputed(day: str = "2026-11-16") -> DecidableEvent:
    """The lender's snapshot reporting a dispute dated ``day``."""
    return account(
        event_id="snap-disputed",
        due_date="2026-10-28",
        occurred_at=NOON_UTC - dt.timedelta(hours=3),
        flags={"dispute": True},
        flag_dates={"dispute": day},
    )


def cleared(n: int) -> DecidableEvent:
    """A later snapshot of a new cycle without the flag: the lender's feed cleared it."""
    return account(
        event_id=f"snap-cleared-{n}",
        due_date=f"2026-11-{10 + n:02d}",
        occurred_at=NOON_UTC + (n - 1) * DAY,
    )


def contacts(fx_list: list[Any]) -> list[Any]:
    return [d for fx in fx_list for d in fx.decisions if d.action == Action.CONTACT]


def pauses(fx_list: list[Any]) -> list[Any]:
    return [
        d for fx in fx_list for d in fx.decisions if d.reasons and d.reasons[0].rule_id == PAUSE
    ]


@given(first=st.permutations(["notice", "disputed"]), verify_before_clear=st.booleans())
def test_a_dispute_within_the_period_pauses_until_verification_in_any_order(
    first: list[str], verify_before_clear: bool
) -> None:
    decider, state = make_decider(policy=collector()), DebtorState()
    events: dict[str, DecidableEvent] = {"notice": notice(), "disputed": disputed()}
    opening = [run(decider, state, events[name], NOON_UTC - DAY) for name in first]
    # The pause is recorded once, when both facts are known, with the period's end.
    [pause] = pauses(opening)
    assert pause.reasons[0].params["disputed_on"] == "2026-11-16"
    assert pause.reasons[0].params["period_end"] == "2026-12-09"
    assert contacts(opening) == []

    # The feed clears the flag: still no collection, by the law's rule.
    paused = run(decider, state, cleared(1), NOON_UTC)
    assert contacts([paused]) == []
    assert PAUSE in {r.rule_id for d in paused.decisions for r in d.reasons}

    verification = notice("vn-2", verification_sent_on="2026-11-19", occurred_at=NOON_UTC + DAY)
    if verify_before_clear:
        run(decider, state, verification, NOON_UTC + DAY)
        resumed = run(decider, state, cleared(2), NOON_UTC + DAY)
        assert len(contacts([resumed])) == 1
    else:
        still = run(decider, state, cleared(2), NOON_UTC + DAY)
        assert contacts([still]) == []
        run(decider, state, verification, NOON_UTC + DAY)
        resumed = run(decider, state, cleared(3), NOON_UTC + 2 * DAY)
        assert len(contacts([resumed])) == 1
    assert state.vals["a1"].v == "2026-11-19"


def test_a_creditor_is_not_paused_by_the_collectors_rule() -> None:
    decider, state = make_decider(policy=default_policy()), DebtorState()
    run(decider, state, notice(), NOON_UTC - DAY)
    run(decider, state, disputed(), NOON_UTC - DAY)
    assert len(contacts([run(decider, state, cleared(1), NOON_UTC)])) == 1


def test_a_dispute_after_the_period_ends_is_not_the_statutes_pause() -> None:
    decider, state = make_decider(policy=collector()), DebtorState()
    early = "2026-09-01"  # period ended in early October
    run(decider, state, notice(provided_on=early), NOON_UTC - DAY)
    fx = run(decider, state, disputed("2026-11-16"), NOON_UTC - DAY)
    assert pauses([fx]) == []
    assert state.vals["a1"].d == ""
    assert len(contacts([run(decider, state, cleared(1), NOON_UTC)])) == 1


def test_an_electronic_notice_without_esign_consent_starts_no_period() -> None:
    decider, state = make_decider(policy=collector()), DebtorState()
    run(decider, state, notice(method="email"), NOON_UTC - DAY)
    assert pauses([run(decider, state, disputed(), NOON_UTC - DAY)]) == []
    state = DebtorState()
    run(decider, state, notice(method="email", esign_consent=True), NOON_UTC - DAY)
    assert len(pauses([run(decider, state, disputed(), NOON_UTC - DAY)])) == 1


def test_a_new_dispute_after_verification_pauses_again() -> None:
    decider, state = make_decider(policy=collector()), DebtorState()
    run(decider, state, notice(verification_sent_on="2026-11-10"), NOON_UTC - DAY)
    # The dispute the verification answered (dated before it) is not a new pause...
    assert pauses([run(decider, state, disputed("2026-11-05"), NOON_UTC - DAY)]) == []
    state.accounts["a1"].fd["dispute"] = "2026-11-16"  # ... a later one is
    fx = run(decider, state, notice("vn-3", verification_sent_on="2026-11-10"), NOON_UTC)
    [pause] = pauses([fx])
    assert pause.reasons[0].params["disputed_on"] == "2026-11-16"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"received_on": "2026-11-01"}, "received_on"),
        ({"verification_sent_on": "2026-10-30"}, "verification_sent_on"),
        ({"provided_on": "2026-12-25"}, "provided_on"),
        ({"method": "fax"}, "method"),
        ({"esign_consent": "yes"}, "esign_consent"),
    ],
)
def test_a_notice_with_impossible_dates_is_refused_naming_the_field(
    overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError, match=field):
        notice(**overrides)


def test_a_demand_that_overshadows_the_period_is_not_sent_during_it() -> None:
    """The 'late' step's "Final notice" wording demands payment sooner than the
    period allows (15 U.S.C. 1692g(b)): refused during the period, for a collector."""
    late = account(event_id="snap-late", days_past_due=75, due_date="2026-09-04")
    decider, state = make_decider(policy=collector()), DebtorState()
    run(decider, state, notice(), NOON_UTC - DAY)
    fx = run(decider, state, late, NOON_UTC)
    assert contacts([fx]) == []
    [refused] = [d for d in fx.decisions if d.action == Action.SUPPRESS]
    assert "us.fdcpa.overshadowing" in {r.rule_id for r in refused.reasons}
    # After the period (it ends on 9 December), the same step goes out.
    day_after = dt.datetime(2026, 12, 10, 15, tzinfo=dt.UTC)
    again = account(
        event_id="snap-late-2",
        days_past_due=80,
        due_date="2026-09-04",
        occurred_at=day_after - dt.timedelta(hours=1),
    )
    after = run(decider, state, again, day_after)
    assert len(contacts([after])) == 1
