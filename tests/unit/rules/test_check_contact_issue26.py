"""`recaudo check-contact` for dated flags, the estate's representative and the
validation period (issue 26): the worked examples of CHECK_CONTACT.md run as
documented, and the account block shows the period."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from recaudo.rules.cli import check_contact

SECTION = "## Worked examples: dated flags, estates and the validation period"


def examples() -> list[tuple[str, str]]:
    """Each ``### `` example of the section: (title, text)."""
    doc = files("recaudo.rules").joinpath("CHECK_CONTACT.md").read_text(encoding="utf-8")
    section = doc.split(SECTION, 1)[1].split("\n## ", 1)[0]
    parts = section.split("\n### ")[1:]
    return [(part.split("\n", 1)[0], part) for part in parts]


def run(doc: dict[str, Any] | str, policy: Path | None = None) -> dict[str, Any]:
    args = ["--policy", str(policy)] if policy else []
    given = doc if isinstance(doc, str) else json.dumps(doc)
    result = CliRunner().invoke(check_contact, args, input=given)
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.output)
    return out


def policy_of(text: str, tmp_path: Path) -> Path | None:
    found = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    if not found:
        return None
    path = tmp_path / "tenant.toml"
    path.write_text(found[0], encoding="utf-8")
    return path


def test_the_section_has_its_three_examples() -> None:
    titles = [title for title, _ in examples()]
    assert len(titles) == 3, titles


@pytest.mark.parametrize(("title", "text"), examples(), ids=lambda v: str(v)[:24])
def test_each_example_prints_what_the_docs_show(title: str, text: str, tmp_path: Path) -> None:
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.S)
    assert blocks, title
    assert len(blocks) % 2 == 0, title
    policy = policy_of(text, tmp_path)
    for given, expected in zip(blocks[::2], blocks[1::2], strict=True):
        assert run(given, policy) == json.loads(expected), title


def example_input(index: int, nth: int = 0) -> dict[str, Any]:
    text = examples()[index][1]
    given: dict[str, Any] = json.loads(re.findall(r"```json\n(.*?)```", text, flags=re.S)[2 * nth])
    return given


def test_the_bankruptcy_example_before_its_date_is_allowed_as_documented() -> None:
    out = run({**example_input(0), "at": "2025-06-02T12:00:00-04:00"})
    assert out["action"] == "allow"
    assert "suppress.bankruptcy" in out["passed"]
    assert out["reasons"][0] == {
        "rule_id": "suppress.bankruptcy",
        "params": {
            "kind": "law",
            "version": "2005",
            "flag": "bankruptcy",
            "effective_date": "2025-06-03",
            "outcome": "passed",
        },
        "citation": "11 U.S.C. 362(a)(6)",
    }


def test_the_estate_example_to_the_debtor_or_a_living_debtors_representative() -> None:
    debtor = run({**example_input(1), "recipient": "debtor"})
    assert debtor["decided_by"] == ["suppress.deceased"]
    assert debtor["reasons"][0]["params"]["kind"] == "policy_default"
    assert debtor["reasons"][0]["params"]["effective_date"] == "2025-05-20"
    alive = {k: v for k, v in example_input(1).items() if k not in ("flags", "flag_dates")}
    assert run(alive)["decided_by"] == ["us.fdcpa.third_party"]
    colombia = {**example_input(1), "jurisdiction": "CO", "timezone": "America/Bogota"}
    assert run(colombia)["decided_by"] == ["suppress.deceased"]


def test_the_dispute_example_with_verification_mailed_is_allowed(tmp_path: Path) -> None:
    policy = policy_of(examples()[2][1], tmp_path)
    out = run({**example_input(2), "verification_sent_on": "2025-06-18"}, policy)
    assert out["action"] == "allow"
    pause = next(r for r in out["reasons"] if r["rule_id"] == "us.fdcpa.dispute_pause")
    assert pause["params"]["verification_pending"] is False
    assert pause["params"]["outcome"] == "passed"


def test_the_account_block_shows_the_validation_period() -> None:
    doc = {
        "jurisdiction": "US",
        "timezone": "America/New_York",
        "channel": "email",
        "at": "2025-07-10T12:00:00-04:00",
        "validation_notice": {"provided_on": "2025-06-02", "method": "mail"},
        "disputed_on": "2025-07-09",
        "verification_sent_on": "2025-07-09",
    }
    period = run(doc)["account"]["validation_period"]
    assert period == {
        "applies": False,  # the built-in policy is a creditor's
        "provided_on": "2025-06-02",
        "method": "mail",
        "counts": True,
        "received_on": None,
        "assumed_receipt": "2025-06-09",
        "period_end": "2025-07-09",
        "within": False,
        "disputed_on": "2025-07-09",
        "disputed_within": True,
        "verification_sent_on": "2025-07-09",
        "rule_id": "us.fdcpa.validation_period",
        "citation": "15 U.S.C. 1692g(a)-(b); 12 CFR 1006.34(b)(5), 1006.38(d)(2)",
    }
    proven = {
        **doc,
        "validation_notice": {
            "provided_on": "2025-06-02",
            "method": "email",
            "received_on": "2025-06-04",
        },
    }
    period = run(proven)["account"]["validation_period"]
    assert (period["counts"], period["received_on"], period["assumed_receipt"]) == (
        False,
        "2025-06-04",
        None,
    )


def test_without_the_new_inputs_the_output_is_unchanged() -> None:
    doc = {"jurisdiction": "US", "channel": "sms", "at": "2025-06-10T16:00:00Z"}
    out = run(doc)
    assert "account" not in out
    new = {
        "us.reg_f.estate_representative",
        "us.fdcpa.third_party",
        "us.fdcpa.dispute_pause",
        "us.fdcpa.overshadowing",
    }
    assert not new & ({r["rule_id"] for r in out["reasons"]} | set(out["passed"]))
    assert all("effective_date" not in r["params"] for r in out["reasons"])
