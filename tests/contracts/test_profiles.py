"""Every jurisdiction profile (``rules.profiles``) through one contract.

Every rule has an id, a citation and a kind (law or policy_default); windows
are well formed; suppression ids cover every flag and suppression condition;
its reminder profiles derive; verdicts are deterministic and name its rules.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from recaudo.contracts.base import LegalFlag
from recaudo.contracts.events import Channel
from recaudo.rules.base import ContactProposal, Flags
from recaudo.rules.engine import evaluate
from recaudo.rules.policy import default_policy
from recaudo.rules.profiles import PROFILES, profile_for
from recaudo.rules.profiles.base import SUPPRESSION_IDS, Profile
from tests.contracts.discovery import instances

ALL = list(PROFILES.values())
IDS = [p.code for p in ALL]


def test_every_profile_is_in_the_suite() -> None:
    defined = {p.code for p in instances("recaudo.rules.profiles", Profile)}
    assert defined == set(PROFILES)


@pytest.mark.parametrize("profile", ALL, ids=IDS)
def test_every_rule_has_an_id_a_citation_and_a_kind(profile: Profile) -> None:
    assert profile.version
    assert profile.code
    for rule in profile.rules():
        assert rule.id.strip(), rule
        assert rule.id == rule.id.strip(), rule
        assert rule.citation.strip(), rule.id
        assert rule.version.strip(), rule.id
        assert rule.kind in ("law", "policy_default"), rule.id


@pytest.mark.parametrize("profile", ALL, ids=IDS)
def test_windows_are_well_formed(profile: Profile) -> None:
    for zone in profile.zones:
        ZoneInfo(zone)
    assert profile.windows, "a profile says when contact is allowed"
    for window in profile.windows:
        assert window.channels, window.rule.id
        assert set(window.days) <= set(range(1, 8)), window.rule.id
        for hours in window.days.values():
            assert hours.start < hours.end, window.rule.id
    for cap in profile.caps:
        assert cap.limit >= 1
        assert cap.window > dt.timedelta(0)
        assert cap.channels
    for gap in profile.gaps:
        assert gap.days >= 1
        assert gap.channels
        assert gap.after_channels


@pytest.mark.parametrize("profile", ALL, ids=IDS)
def test_suppression_ids_cover_every_flag(profile: Profile) -> None:
    flags = set(Flags.__dataclass_fields__)
    assert flags == set(LegalFlag)
    assert set(profile.suppressions) == set(SUPPRESSION_IDS)
    for key, rule in profile.suppressions.items():
        assert rule.id == SUPPRESSION_IDS[key]
    for flag in flags:
        verdict = evaluate(_proposal(profile, flags=Flags(**{flag: True})))
        assert verdict.action == "suppress", flag
        assert SUPPRESSION_IDS[flag] in {r.rule_id for r in verdict.reasons}, flag


@pytest.mark.parametrize("profile", ALL, ids=IDS)
@pytest.mark.parametrize("collector", [False, True], ids=["lender", "collector"])
def test_its_reminder_profile_derives(profile: Profile, collector: bool) -> None:
    reminder = profile.for_reminders(third_party_collector=collector)
    assert reminder.code == profile.code
    assert reminder.version.startswith(profile.version + "+reminder")
    assert set(reminder.suppressions) == set(SUPPRESSION_IDS)
    for rule in reminder.rules():
        assert rule.citation
        assert rule.kind in ("law", "policy_default")
    # A reminder never has more rules than the collection profile it comes from.
    assert len(reminder.windows) <= len(profile.windows)


@pytest.mark.parametrize("profile", ALL, ids=IDS)
def test_a_subdivision_derives_from_its_country(profile: Profile) -> None:
    country = profile.code.partition("-")[0]
    derived = profile_for(f"{country}-ZZ")
    assert derived is not None
    assert derived.windows == PROFILES[country].windows


@pytest.mark.parametrize("profile", ALL, ids=IDS)
@pytest.mark.parametrize("channel", list(Channel), ids=[c.value for c in Channel])
def test_verdicts_are_deterministic_and_name_its_rules(profile: Profile, channel: Channel) -> None:
    effective = default_policy().profile(profile.code, "collection")
    assert effective is not None
    known = {r.id for r in effective.rules()}
    for hour in (3, 12, 23):
        proposal = _proposal(profile, channel=channel, hour=hour)
        first, again = evaluate(proposal), evaluate(proposal)
        assert first == again
        assert first.action in ("allow", "defer")
        assert first.profile_version.startswith(profile.version)
        assert first.reasons
        assert {r.rule_id for r in first.reasons} <= known
        if first.action == "defer":
            assert first.defer_until is not None
            assert first.defer_until > proposal.at


def _proposal(
    profile: Profile,
    *,
    channel: Channel = Channel.SMS,
    hour: int = 12,
    flags: Flags | None = None,
) -> ContactProposal:
    zone = profile.zones[0]
    at = dt.datetime(2025, 6, 11, hour, 0, tzinfo=ZoneInfo(zone))
    return ContactProposal(
        jurisdiction=profile.code,
        timezone=zone,
        channel=channel,
        at=at,
        flags=flags or Flags(),
    )
