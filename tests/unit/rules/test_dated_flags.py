"""Dated flags (issue 26, part 1): a flag suppresses from its effective date in the
debtor's local calendar, whenever the lender learned of it; before that date it
is listed as passed with the date."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from recaudo.contracts.base import LegalFlag
from recaudo.rules.base import FlagDates, Flags
from recaudo.rules.dated import contact_days, in_effect
from recaudo.rules.engine import evaluate
from recaudo.rules.profiles.us import US_ZONES
from tests.unit.rules.conftest import NY, ProposalFactory, local

PETITION = dt.date(2025, 6, 3)


def bankrupt(since: dt.date | None = PETITION) -> dict[str, object]:
    return {"flags": Flags(bankruptcy=True), "flag_dates": FlagDates(bankruptcy=since)}


def test_a_contact_after_the_petition_learned_of_later_is_suppressed_with_the_date(
    proposal: ProposalFactory,
) -> None:
    """11 U.S.C. 362(a)(6): the stay runs from the filing (3 June), not from the day
    the lender reported it (9 June): a contact on 5 June was not lawful."""
    verdict = evaluate(proposal(at=local(NY, 2025, 6, 5, 12), **bankrupt()))
    assert verdict.action == "suppress"
    assert verdict.decided_by == ("suppress.bankruptcy",)
    [reason] = verdict.reasons
    assert reason.params["effective_date"] == "2025-06-03"
    assert reason.params["outcome"] == "decided"
    assert reason.citation == "11 U.S.C. 362(a)(6)"


def test_the_effective_day_itself_is_in_effect(proposal: ProposalFactory) -> None:
    verdict = evaluate(proposal(at=local(NY, 2025, 6, 3, 8), **bankrupt()))
    assert verdict.decided_by == ("suppress.bankruptcy",)


def test_the_last_evening_before_it_is_not(proposal: ProposalFactory) -> None:
    verdict = evaluate(proposal(at=local(NY, 2025, 6, 2, 20, 59), **bankrupt()))
    assert verdict.action == "allow"
    assert "suppress.bankruptcy" in verdict.passed


def test_before_its_date_the_flag_is_listed_as_passed_with_the_date(
    proposal: ProposalFactory,
) -> None:
    verdict = evaluate(proposal(at=local(NY, 2025, 6, 2, 12), **bankrupt()))
    assert verdict.action == "allow"
    assert "suppress.bankruptcy" in verdict.passed
    flag = next(r for r in verdict.reasons if r.rule_id == "suppress.bankruptcy")
    assert flag.params["effective_date"] == "2025-06-03"
    assert flag.params["outcome"] == "passed"


def test_an_undated_flag_suppresses_whatever_the_date(proposal: ProposalFactory) -> None:
    verdict = evaluate(proposal(at=local(NY, 2020, 1, 2, 12), **bankrupt(None)))
    assert verdict.decided_by == ("suppress.bankruptcy",)
    assert "effective_date" not in verdict.reasons[0].params


@pytest.mark.parametrize("flag", list(LegalFlag))
def test_every_flag_is_dated_the_same_way(proposal: ProposalFactory, flag: LegalFlag) -> None:
    dated = {"flags": Flags(**{flag: True}), "flag_dates": FlagDates(**{flag: PETITION})}
    before = evaluate(proposal(at=local(NY, 2025, 6, 2, 12), **dated))
    after = evaluate(proposal(at=local(NY, 2025, 6, 3, 12), **dated))
    assert before.action == "allow", flag
    assert after.action == "suppress", flag
    assert after.reasons[0].params["effective_date"] == "2025-06-03"


def test_a_date_for_a_flag_not_set_is_ignored(proposal: ProposalFactory) -> None:
    verdict = evaluate(proposal(flag_dates=FlagDates(bankruptcy=PETITION)))
    assert verdict.action == "allow"
    assert "suppress.bankruptcy" not in verdict.passed


def test_unknown_zone_is_conservative_the_date_binds_once_begun_in_any_zone(
    proposal: ProposalFactory,
) -> None:
    """02:00 UTC on 3 June is 22:00 on 2 June in New York and 16:00 in Honolulu;
    05:00 UTC is 01:00 on 3 June in New York but still 2 June in the west."""
    early = dt.datetime(2025, 6, 3, 2, tzinfo=dt.UTC)
    assert set(contact_days(proposal(timezone=None, at=early), US_ZONES)) == {dt.date(2025, 6, 2)}
    later = dt.datetime(2025, 6, 3, 5, tzinfo=dt.UTC)
    days = contact_days(proposal(timezone=None, at=later), US_ZONES)
    assert days == (dt.date(2025, 6, 2), dt.date(2025, 6, 3))
    assert in_effect(PETITION, days)
    assert not in_effect(PETITION, (dt.date(2025, 6, 2),))
    verdict = evaluate(proposal(timezone=None, at=later, **bankrupt()))
    assert verdict.decided_by == ("suppress.bankruptcy",)


def test_the_local_day_is_the_debtors_not_utc(proposal: ProposalFactory) -> None:
    """01:00 UTC on 3 June is still 2 June in Los Angeles: the flag is not yet in effect."""
    la = ZoneInfo("America/Los_Angeles")
    at = dt.datetime(2025, 6, 3, 1, tzinfo=dt.UTC)
    assert contact_days(proposal(timezone="America/Los_Angeles", at=at), ()) == (
        at.astimezone(la).date(),
    )
    verdict = evaluate(proposal(timezone="America/Los_Angeles", at=at, **bankrupt()))
    assert "suppress.bankruptcy" in verdict.passed
    assert verdict.action == "allow"
