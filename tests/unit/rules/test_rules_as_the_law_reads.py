"""The compliance rules as the statutes read them (each test fails on a misreading)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

from recaudo.contracts.events import Channel
from recaudo.rules.base import HistoryItem
from recaudo.rules.engine import evaluate
from recaudo.rules.policy import TenantPolicy
from recaudo.rules.profiles import PROFILES, profile_for
from tests.unit.rules.conftest import ProposalFactory

NY = ZoneInfo("America/New_York")
BOGOTA = ZoneInfo("America/Bogota")
SEATTLE = ZoneInfo("America/Los_Angeles")


def at(zone: ZoneInfo, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 6, day, hour, minute, tzinfo=zone)


def sent(when: dt.datetime, channel: Channel = Channel.VOICE, debt: str = "a1") -> HistoryItem:
    return HistoryItem(channel=channel, at=when, account_id=debt)


def test_940_cmr_7_04_1_f_counts_calls_and_texts_together(proposal: ProposalFactory) -> None:
    """A call and a text in the week: a third telephone communication must wait."""
    history = (sent(at(NY, 6, 12)), sent(at(NY, 8, 12), Channel.SMS))
    verdict = evaluate(proposal(jurisdiction="US-MA", account_id="a1", history=history))
    assert verdict.action == "defer"
    assert verdict.defer_until == at(NY, 13, 12)
    assert "us-ma.940cmr.7.04.communications" in verdict.decided_by
    text = evaluate(
        proposal(jurisdiction="US-MA", channel=Channel.SMS, account_id="a1", history=history)
    )
    assert text.action == "defer"


def test_reg_f_counts_calls_per_debt_and_cross_debt_is_labelled_policy(
    proposal: ProposalFactory,
) -> None:
    """Seven calls about debt a1: a call about a2 breaks no law, only the tenant policy."""
    history = tuple(sent(at(NY, 3 + i, 12), debt="a1") for i in range(7))
    verdict = evaluate(proposal(at=at(NY, 9, 18), account_id="a2", history=history))
    assert verdict.action == "defer"
    assert verdict.decided_by == ("us.policy.call_frequency_all_debts",)
    [reason] = verdict.reasons
    assert reason.params["kind"] == "policy_default"
    assert "us.reg_f.call_frequency" in verdict.passed
    same_debt = evaluate(proposal(at=at(NY, 9, 18), account_id="a1", history=history))
    assert "us.reg_f.call_frequency" in same_debt.decided_by


def test_6_rcny_5_77_new_york_city_three_a_week_per_account_on_every_medium(
    proposal: ProposalFactory,
) -> None:
    """New York City: a text, an e-mail and a call about a1 this week; a fourth
    communication about a1, by any medium, waits for the first to leave the week."""
    history = (
        sent(at(NY, 2, 12), Channel.SMS),
        sent(at(NY, 3, 12), Channel.EMAIL),
        sent(at(NY, 4, 12), Channel.VOICE),
    )
    nyc = {"jurisdiction": "US-NY-NYC", "account_id": "a1", "at": at(NY, 5, 12)}
    for channel in (Channel.EMAIL, Channel.SMS, Channel.WHATSAPP):
        verdict = evaluate(proposal(**nyc, channel=channel, history=history))
        assert verdict.action == "defer", channel
        assert verdict.defer_until == at(NY, 9, 12)
        assert "us-ny-nyc.6rcny.5-77.communications" in verdict.decided_by
    # Elsewhere in New York State, Regulation F alone: three contacts are nothing.
    state = evaluate(proposal(**{**nyc, "jurisdiction": "US-NY"}, history=history))
    assert state.allowed, state.reasons
    # The rule counts per account: about a2, only our cross-debt policy defers.
    other = evaluate(proposal(**{**nyc, "account_id": "a2"}, history=history))
    assert other.decided_by == ("us-ny-nyc.policy.communications_all_debts",)
    assert other.reasons[0].params["kind"] == "policy_default"
    assert "us-ny-nyc.6rcny.5-77.communications" in other.passed


def test_a_city_without_rules_of_its_own_is_its_state(proposal: ProposalFactory) -> None:
    """A city code we have no rules for gets its state's, with the state's holidays."""
    city, state = profile_for("US-MA-BOS"), profile_for("US-MA")
    assert city is not None
    assert state is not None
    assert city.code == "US-MA-BOS"
    assert {c.id for c in city.caps} == {c.id for c in state.caps}
    assert city.holiday_subdiv == "MA"
    nyc = profile_for("US-NY-NYC")
    assert nyc is not None
    assert nyc.holiday_subdiv == "NY"
    assert profile_for("ZZ-AB-CDE") is None
    history = (sent(at(NY, 6, 12)), sent(at(NY, 8, 12), Channel.SMS))
    verdict = evaluate(proposal(jurisdiction="US-MA-BOS", account_id="a1", history=history))
    assert "us-ma.940cmr.7.04.communications" in verdict.decided_by


def test_ley_2300_once_a_day_is_a_calendar_day_in_local_time(proposal: ProposalFactory) -> None:
    """18:00 on Monday, then 7:30 on Tuesday (13.5 h later): a new calendar day."""
    co = {"jurisdiction": "CO", "timezone": "America/Bogota", "channel": Channel.SMS}
    evening = sent(at(BOGOTA, 9, 18), Channel.EMAIL)
    verdict = evaluate(proposal(**co, at=at(BOGOTA, 10, 7, 30), history=(evening,)))
    assert verdict.allowed, verdict.reasons
    assert "co.ley2300.art3.una_al_dia" in verdict.passed


def test_us_state_without_profile_gets_regulation_f_as_documented(
    proposal: ProposalFactory,
) -> None:
    texas = profile_for("US-TX")
    assert texas is not None
    assert {c.id for c in texas.caps} == {c.id for c in PROFILES["US"].caps}
    assert evaluate(proposal(jurisdiction="US-TX", timezone="America/Chicago")).allowed


def test_rcw_19_16_250_washington_three_communications_a_week(
    proposal: ProposalFactory, collector: TenantPolicy
) -> None:
    """RCW 19.16.250(13) binds licensed collection agencies."""
    history = (
        sent(at(SEATTLE, 2, 12), Channel.EMAIL),
        sent(at(SEATTLE, 3, 12), Channel.SMS),
        sent(at(SEATTLE, 4, 12)),
    )
    wa = {"jurisdiction": "US-WA", "timezone": "America/Los_Angeles", "account_id": "a1"}
    verdict = evaluate(proposal(**wa, at=at(SEATTLE, 5, 12), history=history), collector)
    assert verdict.action == "defer"
    assert verdict.defer_until == at(SEATTLE, 9, 12)
    assert verdict.decided_by == ("us-wa.rcw19.16.250.weekly",)
    assert verdict.reasons[0].citation == "RCW 19.16.250(13)"


def test_every_verdict_says_what_decided_and_what_passed(proposal: ProposalFactory) -> None:
    allowed = evaluate(proposal())
    assert allowed.decided_by == ()
    assert {"us.reg_f.inconvenient_time", "us.reg_f.call_frequency"} <= set(allowed.passed)
    assert {r.params["outcome"] for r in allowed.reasons} == {"passed"}
    night = evaluate(proposal(at=at(NY, 10, 22)))
    assert night.decided_by == ("us.reg_f.inconvenient_time",)
    assert night.reasons[0].params["outcome"] == "decided"
    assert "us.reg_f.inconvenient_time" not in night.passed
    flags = replace(proposal().flags, dispute=True)
    disputed = evaluate(proposal(flags=flags))
    assert disputed.decided_by == ("suppress.dispute",)
    assert "suppress.bankruptcy" in disputed.passed


def test_every_rule_kind_matches_its_citation() -> None:
    """A rule whose citation says policy is never labelled law, and vice versa."""
    for profile in PROFILES.values():
        for rule in profile.rules():
            is_policy = "policy" in rule.citation.lower()
            assert is_policy == (rule.kind != "law"), (profile.code, rule.id, rule.citation)


def test_reg_f_hours_in_a_territory_are_its_own_not_the_mainland_s(
    proposal: ProposalFactory,
) -> None:
    """15 U.S.C. 1692a(8) counts the territories as States: 4:30 in Guam and 21:30 in
    Puerto Rico are outside 1006.6(b)(1)(i)'s hours, though within the mainland's."""
    for jurisdiction, zone, hour, minute in (
        ("US-GU", "Pacific/Guam", 4, 30),
        ("US-MP", "Pacific/Saipan", 4, 30),
        ("US-PR", "America/Puerto_Rico", 21, 30),
        ("US-AS", "Pacific/Pago_Pago", 7, 30),
    ):
        local = dt.datetime(2025, 3, 4, hour, minute, tzinfo=ZoneInfo(zone))
        verdict = evaluate(proposal(jurisdiction=jurisdiction, timezone=None, at=local))
        assert verdict.action == "defer", jurisdiction
        assert "us.reg_f.inconvenient_time" in verdict.decided_by
        assert verdict.defer_until is not None
        opens = verdict.defer_until.astimezone(ZoneInfo(zone))
        assert opens.hour >= 8, jurisdiction
        assert (opens.hour, opens.minute) <= (21, 0), jurisdiction
