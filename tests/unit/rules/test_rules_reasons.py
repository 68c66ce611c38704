"""Every rule id a decision can carry has words a person can read (rules/reasons.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from recaudo.rules.notices import NOTICES
from recaudo.rules.profiles import PROFILES
from recaudo.rules.reasons import describe, labelled
from recaudo.rules.rule import Rule

ROOT = Path(__file__).resolve().parents[3]
#: Where decisions' reasons are built.
SOURCES = ("rules", "streams", "channels", "models")
ID = r"([a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)+)"
#: Where the code names a rule id: a Reason or Rule, a strategy's Target, a constant.
PREFIX = r"(?:rule_id=|Rule\(\s*|blocked\(\s*|Target\(\s*[^,()]+,\s*|_RULE_ID = )"
LITERAL = re.compile(PREFIX + '"' + ID + '"')


def profile_rules() -> Iterator[Rule]:
    for base in PROFILES.values():
        for profile in (base, base.for_reminders(), base.for_reminders(True)):
            for group in (profile.windows, profile.caps, profile.gaps):
                yield from (item.rule for item in group)
            yield from profile.suppressions.values()
            yield from (r for r in (profile.consent_law, profile.delinquent_law) if r)
    for notices in NOTICES.values():
        yield from (n.rule for n in notices)


def literal_ids() -> set[str]:
    found: set[str] = set()
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            found.update(LITERAL.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_source_scan_finds_the_rule_ids() -> None:
    ids = literal_ids()
    assert {
        "strategy.holdout",
        "strategy.skip",
        "suppress.opt_out",
        "co.ley2300.art3.horario",
    } <= ids


@pytest.mark.parametrize("rule_id", sorted({r.id for r in profile_rules()} | literal_ids()))
def test_every_rule_has_words(rule_id: str) -> None:
    assert describe(rule_id), f"{rule_id}: add its words to rules/reasons.py"


@pytest.mark.parametrize(
    ("rule_id", "words"),
    [
        ("co.ley2300.art3.horario", "outside the hours the law allows for contact"),
        ("tenant.us-ny.hours", "outside the tenant's contact hours"),
        ("task.hardship", "handed to a person: hardship"),
        ("suppress.legal_hold", "contact stopped: legal hold"),
    ],
)
def test_families_and_built_ids(rule_id: str, words: str) -> None:
    assert describe(rule_id) == words
    assert labelled(rule_id) == f"{rule_id} ({words})"


def test_an_unknown_id_is_shown_as_it_is() -> None:
    assert describe("brand.new_rule") is None
    assert labelled("brand.new_rule") == "brand.new_rule"
