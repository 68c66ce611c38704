"""Contact windows in local time: DST, holidays, Sundays, Saturday hours, unknown zones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from recaudo.contracts.events import Channel
from recaudo.rules import evaluate
from recaudo.rules.policy import TenantPolicy
from recaudo.rules.profiles import profile_for
from recaudo.rules.windows import Calendar, first_allowed
from tests.unit.rules.conftest import BOGOTA, NY, ProposalFactory, local

LIMA = ZoneInfo("America/Lima")
SANTIAGO = ZoneInfo("America/Santiago")


def test_reg_f_1006_6_b_1_allows_8am_to_9pm_local(
    proposal: ProposalFactory, collector: TenantPolicy
) -> None:
    """12 CFR 1006.6(b)(1)(i): 8:00 is convenient, 21:00 is not (a debt collector's)."""
    assert evaluate(proposal(at=local(NY, 2025, 6, 10, 8, 0))).action == "allow"
    assert evaluate(proposal(at=local(NY, 2025, 6, 10, 20, 59))).action == "allow"
    late = evaluate(proposal(at=local(NY, 2025, 6, 10, 21, 0)), collector)
    assert late.action == "defer"
    assert late.defer_until == local(NY, 2025, 6, 11, 8, 0)
    assert late.reasons[0].rule_id == "us.reg_f.inconvenient_time"
    assert late.reasons[0].citation == "12 CFR 1006.6(b)(1)(i)"


def test_reg_f_1006_6_b_1_dst_spring_forward_new_york(proposal: ProposalFactory) -> None:
    """2025-03-09 clocks jump 2:00 EST -> 3:00 EDT: 8:00 local is 12:00 UTC, not 13:00."""
    early = evaluate(proposal(at=dt.datetime(2025, 3, 9, 6, 30, tzinfo=dt.UTC)))
    assert early.defer_until == dt.datetime(2025, 3, 9, 12, 0, tzinfo=dt.UTC)
    # 12:30 UTC is 8:30 EDT: already open (it would be 7:30 on the old offset).
    assert evaluate(proposal(at=dt.datetime(2025, 3, 9, 12, 30, tzinfo=dt.UTC))).allowed


def test_reg_f_1006_6_b_1_dst_fall_back_new_york(proposal: ProposalFactory) -> None:
    """2025-11-02 clocks fall back 2:00 EDT -> 1:00 EST: 8:00 local is 13:00 UTC."""
    early = evaluate(proposal(at=dt.datetime(2025, 11, 2, 5, 30, tzinfo=dt.UTC)))
    assert early.defer_until == dt.datetime(2025, 11, 2, 13, 0, tzinfo=dt.UTC)
    # 20:30 EST on that day is 01:30 UTC the next day and still inside the window.
    assert evaluate(proposal(at=dt.datetime(2025, 11, 3, 1, 30, tzinfo=dt.UTC))).allowed
    assert not evaluate(proposal(at=dt.datetime(2025, 11, 3, 2, 0, tzinfo=dt.UTC))).allowed


def test_reg_f_1006_6_b_1_unknown_zone_complies_in_every_us_zone(
    proposal: ProposalFactory,
) -> None:
    """Unknown location: 10:00 in New York is 4:00 in Honolulu, so defer until it is 8:00
    there (14:00 New York time in June)."""
    verdict = evaluate(proposal(timezone=None, at=local(NY, 2025, 6, 10, 10, 0)))
    assert verdict.action == "defer"
    assert verdict.defer_until == local(ZoneInfo("Pacific/Honolulu"), 2025, 6, 10, 8, 0)
    assert verdict.defer_until == local(NY, 2025, 6, 10, 14, 0)
    # ...and 21:00 in New York is closed even though it is 15:00 in Honolulu.
    assert not evaluate(proposal(timezone=None, at=local(NY, 2025, 6, 10, 21, 0))).allowed


def test_ley_2300_art_3_weekday_hours_colombia(proposal: ProposalFactory) -> None:
    """Ley 2300 de 2023 art. 3: Monday-Friday 7:00-19:00."""
    co = {"jurisdiction": "CO", "timezone": "America/Bogota", "channel": Channel.SMS}
    assert evaluate(proposal(**co, at=local(BOGOTA, 2025, 6, 10, 7, 0))).allowed
    late = evaluate(proposal(**co, at=local(BOGOTA, 2025, 6, 10, 19, 0)))
    assert late.defer_until == local(BOGOTA, 2025, 6, 11, 7, 0)
    assert late.reasons[0].citation == "Ley 2300 de 2023, art. 3"


def test_ley_2300_art_3_saturday_8_to_15(proposal: ProposalFactory) -> None:
    """Saturday 2025-06-14: 7:30 waits until 8:00; 15:00 is closed until Monday 7:00."""
    co = {"jurisdiction": "CO", "timezone": "America/Bogota", "channel": Channel.SMS}
    assert evaluate(proposal(**co, at=local(BOGOTA, 2025, 6, 14, 7, 30))).defer_until == local(
        BOGOTA, 2025, 6, 14, 8, 0
    )
    assert evaluate(proposal(**co, at=local(BOGOTA, 2025, 6, 14, 14, 59))).allowed
    after = evaluate(proposal(**co, at=local(BOGOTA, 2025, 6, 14, 15, 0)))
    assert after.defer_until == local(BOGOTA, 2025, 6, 16, 7, 0)


def test_ley_2300_art_3_never_sunday(proposal: ProposalFactory) -> None:
    co = {"jurisdiction": "CO", "timezone": "America/Bogota", "channel": Channel.EMAIL}
    sunday = evaluate(proposal(**co, at=local(BOGOTA, 2025, 6, 15, 11, 0)))
    assert sunday.action == "defer"
    assert sunday.defer_until == local(BOGOTA, 2025, 6, 16, 7, 0)


def test_ley_2300_art_3_never_colombian_holiday(proposal: ProposalFactory) -> None:
    """Monday 2025-03-24 is San José (observed): Saturday 16:00 -> Tuesday 7:00."""
    co = {"jurisdiction": "CO", "timezone": "America/Bogota", "channel": Channel.WHATSAPP}
    verdict = evaluate(proposal(**co, at=local(BOGOTA, 2025, 3, 22, 16, 0)))
    assert verdict.defer_until == local(BOGOTA, 2025, 3, 25, 7, 0)
    assert not evaluate(proposal(**co, at=local(BOGOTA, 2025, 3, 24, 10, 0))).allowed


def test_ley_29571_art_62_b_peru_no_weekend_calls(proposal: ProposalFactory) -> None:
    """Ley 29571 art. 62(b): no calls 20:00-07:00 nor on Saturdays, Sundays, holidays."""
    pe = {"jurisdiction": "PE", "timezone": "America/Lima"}
    saturday = evaluate(proposal(**pe, at=local(LIMA, 2025, 6, 14, 10, 0)))
    assert saturday.defer_until == local(LIMA, 2025, 6, 16, 7, 0)
    assert saturday.reasons[0].rule_id == "pe.ley29571.art62b.horario"
    assert evaluate(proposal(**pe, at=local(LIMA, 2025, 6, 16, 19, 59))).allowed
    # Other channels follow the same hours as a policy default, and say so.
    sms = evaluate(proposal(**pe, channel=Channel.SMS, at=local(LIMA, 2025, 6, 14, 10, 0)))
    assert sms.reasons[0].params["kind"] == "policy_default"


def test_ley_19496_art_37_chile_saturday_allowed_sunday_not(proposal: ProposalFactory) -> None:
    cl = {"jurisdiction": "CL", "timezone": "America/Santiago"}
    assert evaluate(proposal(**cl, at=local(SANTIAGO, 2025, 6, 14, 10, 0))).allowed
    sunday = evaluate(proposal(**cl, at=local(SANTIAGO, 2025, 6, 15, 10, 0)))
    assert sunday.defer_until == local(SANTIAGO, 2025, 6, 16, 8, 0)


def test_condusef_mexico_until_22h(proposal: ProposalFactory) -> None:
    cdmx = ZoneInfo("America/Mexico_City")
    mx = {"jurisdiction": "MX", "timezone": "America/Mexico_City"}
    assert evaluate(proposal(**mx, at=local(cdmx, 2025, 6, 15, 21, 59))).allowed
    late = evaluate(proposal(**mx, at=local(cdmx, 2025, 6, 15, 22, 0)))
    assert late.defer_until == local(cdmx, 2025, 6, 16, 7, 0)


@pytest.mark.parametrize("code", ["US", "US-MA", "CO", "MX", "PE", "CL", "BR"])
def test_every_profile_opens_within_a_week_in_all_its_zones(code: str) -> None:
    """Contract: with the zone unknown, every profile still has an open instant."""
    profile = profile_for(code)
    assert profile is not None
    zones = [ZoneInfo(z) for z in profile.zones]
    start = dt.datetime(2025, 12, 24, tzinfo=dt.UTC)
    found = first_allowed(profile.windows, zones, start, Calendar(profile.holiday_country))
    assert start <= found < start + dt.timedelta(days=7)
