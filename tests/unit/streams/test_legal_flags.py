"""``LegalFlag`` is the one list of legal flags: every place that must name each flag
(the event models, the rules' proposal, every profile's suppressions) names exactly
its members, and the debtor's state keeps storing their plain values."""

from __future__ import annotations

import dataclasses

import pytest

from recaudo.contracts import events
from recaudo.contracts.base import LegalFlag
from recaudo.rules import base as rules
from recaudo.rules.profiles import PROFILES
from recaudo.rules.profiles.base import SUPPRESSION_IDS, Profile
from recaudo.rules.reasons import describe
from recaudo.streams.state import DebtorState

VALUES = {flag.value for flag in LegalFlag}


@pytest.mark.parametrize("model", [events.AccountFlags, events.FlagDates])
def test_the_event_models_have_a_field_per_flag(model: type[events.Contract]) -> None:
    assert set(model.model_fields) == VALUES
    assert set(model.model_json_schema()["properties"]) == VALUES  # the wire names


@pytest.mark.parametrize("record", [rules.Flags, rules.FlagDates])
def test_the_rules_proposal_has_a_field_per_flag(record: type) -> None:
    assert {f.name for f in dataclasses.fields(record)} == VALUES


def _profiles() -> list[Profile]:
    every = list(PROFILES.values())
    return every + [p.for_reminders(collector) for p in every for collector in (False, True)]


@pytest.mark.parametrize("profile", _profiles(), ids=lambda p: p.version)
def test_every_profile_suppresses_each_flag_with_its_rule(profile: Profile) -> None:
    for flag in LegalFlag:
        assert SUPPRESSION_IDS[flag] == f"suppress.{flag.value}"
        assert profile.suppressions[flag].id == SUPPRESSION_IDS[flag], flag
        assert describe(SUPPRESSION_IDS[flag]), flag


def test_raised_lists_the_set_flags_in_the_enum_order() -> None:
    flags = events.AccountFlags(legal_hold=True, dispute=True)
    assert flags.raised() == (LegalFlag.DISPUTE, LegalFlag.LEGAL_HOLD)
    assert events.AccountFlags().raised() == ()


def test_a_stored_state_keeps_the_flag_values() -> None:
    """The state stores each flag as its value: an older state reads and writes back
    byte for byte, and the enum's members compare equal to what was read."""
    stored = (
        b'{"accounts":{"A1":{"status":"delinquent","flags":["dispute","legal_hold"],'
        b'"fd":{"dispute":"2026-01-02"},"late":[{"f":"dispute","d":"2026-01-02",'
        b'"kn":1767400000.0,"full":true}]}}}'
    )
    state = DebtorState.decode(stored)
    assert state.to_json() == stored
    account = state.accounts["A1"]
    assert account.flags == [LegalFlag.DISPUTE, LegalFlag.LEGAL_HOLD]
    assert account.fd[LegalFlag.DISPUTE] == "2026-01-02"
    account.flags = [*events.AccountFlags(bankruptcy=True, deceased=True).raised()]
    assert b'"flags":["bankruptcy","deceased"]' in state.to_json()
