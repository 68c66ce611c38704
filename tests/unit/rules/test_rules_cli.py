"""`recaudo policy check` and `recaudo check-contact`, through click's CliRunner."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner

from recaudo.policy_cli import policy
from recaudo.rules.cli import check_contact

GOOD = """
version = "t1"
[[cadence]]
id = "early"
min_dpd = 1
channels = ["sms"]
template = "hi"
[templates.hi]
es = "hola_v1"
[notices.opt_out.default]
es = "Responda STOP para salir."
[notices.creditor_identity.default]
es = "Acreedor: {{ creditor }}."
[notices.not_execution.default]
es = "No es un procedimiento de ejecucion de sus bienes."
[notices.time_barred_ca.default]
es = "La ley limita el plazo para demandarle; no le demandaremos por esta deuda."
[notices.time_barred_ca_obsolete.default]
es = "La ley limita el plazo para demandarle; no le demandaremos ni la reportaremos."
[messages.hi]
version = "1"
[messages.hi.text.es]
sms = "Hola {{ name }}, debe {{ amount_due|money }}: {{ pay_url }} {{ required_notices }}"
"""


def test_policy_check_accepts_the_shipped_default() -> None:
    path = files("recaudo.rules").joinpath("default_policy.toml")
    result = CliRunner().invoke(policy, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    assert "default@2025.1" in result.output


def test_policy_check_accepts_a_small_policy(tmp_path: Path) -> None:
    f = tmp_path / "p.toml"
    f.write_text(GOOD)
    result = CliRunner().invoke(policy, ["check", str(f)])
    assert result.exit_code == 0, result.output
    assert "1 cadence steps" in result.output


def test_policy_check_points_at_the_bad_field(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(GOOD.replace('channels = ["sms"]', 'channels = ["fax"]'))
    result = CliRunner().invoke(policy, ["check", str(f)])
    assert result.exit_code == 1
    assert f"{f}: invalid policy" in result.output
    assert "cadence.0.channels.0" in result.output
    assert "'sms', 'email', 'whatsapp' or 'voice'" in result.output


def test_policy_check_reports_toml_syntax_and_missing_file(tmp_path: Path) -> None:
    f = tmp_path / "broken.toml"
    f.write_text("version = \n")
    result = CliRunner().invoke(policy, ["check", str(f)])
    assert result.exit_code == 1
    assert "not valid TOML" in result.output
    missing = CliRunner().invoke(policy, ["check", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 1
    assert "cannot read policy file" in missing.output


def test_check_contact_prints_verdict_json() -> None:
    doc = {
        "jurisdiction": "CO",
        "timezone": "America/Bogota",
        "channel": "sms",
        "at": "2025-06-15T11:00:00-05:00",
    }
    result = CliRunner().invoke(check_contact, input=json.dumps(doc))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["action"] == "defer"
    assert out["allowed"] is False
    assert out["defer_until"] == "2025-06-16T12:00:00+00:00"
    assert out["reasons"][0]["citation"] == "Ley 2300 de 2023, art. 3"
    assert out["profile_version"].startswith("CO-")


def test_check_contact_rejects_bad_input_naming_the_field() -> None:
    doc = {"jurisdiction": "US", "channel": "pigeon", "at": "2025-06-10T12:00:00Z"}
    result = CliRunner().invoke(check_contact, input=json.dumps(doc))
    assert result.exit_code == 2
    assert '"field": "channel"' in result.output


def test_check_contact_uses_tenant_policy(tmp_path: Path) -> None:
    f = tmp_path / "p.toml"
    f.write_text(GOOD + '[jurisdictions.US.hours]\nstart = "09:00"\nend = "17:00"\n')
    doc = {
        "jurisdiction": "US",
        "timezone": "America/Chicago",
        "channel": "email",
        "at": "2025-06-10T08:30:00-05:00",
    }
    result = CliRunner().invoke(check_contact, ["--policy", str(f)], input=json.dumps(doc))
    out = json.loads(result.output)
    assert out["defer_until"] == "2025-06-10T14:00:00+00:00"
    assert out["reasons"][0]["rule_id"] == "tenant.us.hours"
    assert out["profile_version"] == "US-2021.11+default@t1"


def test_check_contact_md_worked_example_runs_as_documented() -> None:
    """The example in rules/CHECK_CONTACT.md is this test's input and expected output."""
    doc = files("recaudo.rules").joinpath("CHECK_CONTACT.md").read_text(encoding="utf-8")
    example = doc.split("## Worked example", 1)[1]
    given, expected = re.findall(r"```json\n(.*?)```", example, flags=re.S)[:2]
    result = CliRunner().invoke(check_contact, input=given)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads(expected)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"days_past_due": -1}, "days_past_due"),
        ({"jurisdiction": "usa"}, "jurisdiction"),
        # A city is three letters under a subdivision (US-NY-NYC), nothing deeper.
        ({"jurisdiction": "US-NY-NY1"}, "jurisdiction"),
        ({"jurisdiction": "US-NY-NYC-X"}, "jurisdiction"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"at": "2025-06-10T12:00:00"}, "at"),
        ({"flags": {"disputed": True}}, "flags.disputed"),
        (
            {"history": [{"channel": "sms", "at": "2025-06-09T12:00:00Z", "by": "x"}]},
            "history.0.by",
        ),
        ({"history": [{"channel": "fax", "at": "2025-06-09T12:00:00Z"}]}, "history.0.channel"),
        ({"flag_dates": {"bankrupt": "2025-06-01"}}, "flag_dates.bankrupt"),
        ({"flag_dates": {"bankruptcy": "3 June"}}, "flag_dates.bankruptcy"),
        ({"recipient": "spouse"}, "recipient"),
        (
            {"validation_notice": {"provided_on": "2025-06-02", "method": "fax"}},
            "validation_notice.method",
        ),
        (
            {"validation_notice": {"provided_on": "2025-06-02", "method": "mail", "sent": True}},
            "validation_notice.sent",
        ),
        ({"validation_notice": {"method": "mail"}}, "validation_notice.provided_on"),
        (
            {
                "validation_notice": {
                    "provided_on": "2025-06-02",
                    "method": "mail",
                    "received_on": "2025-06-01",
                }
            },
            "validation_notice",
        ),
        ({"disputed_on": "yesterday"}, "disputed_on"),
        ({"verification_sent_on": "2025-13-01"}, "verification_sent_on"),
    ],
)
def test_check_contact_validates_the_proposal_at_the_edge(
    change: dict[str, object], field: str
) -> None:
    """The rules take plain data: the command is where a bad proposal is refused."""
    doc = {"jurisdiction": "US", "channel": "sms", "at": "2025-06-10T12:00:00Z", **change}
    result = CliRunner().invoke(check_contact, input=json.dumps(doc))
    assert result.exit_code == 2
    assert [e["field"] for e in json.loads(result.output)["errors"]] == [field]


#: Dates the rules add days and years to, or move between zones: near year 1 or 9999
#: each stopped ``check-contact`` with an OverflowError or ValueError traceback.
FAR_DATES = [
    ({"at": "9999-12-31T23:00:00+00:00"}, "at"),
    ({"at": "0001-01-01T00:00:00+00:00"}, "at"),
    ({"at": "9999-12-25T12:00:00+00:00", "jurisdiction": "CO"}, "at"),
    ({"promise_until": "9999-12-31"}, "promise_until"),
    ({"delinquency_date": "9999-12-31"}, "delinquency_date"),
    ({"last_payment_date": "9999-12-31"}, "last_payment_date"),
    ({"charge_off_date": "9999-12-31"}, "charge_off_date"),
    (
        {"validation_notice": {"provided_on": "9999-12-31", "method": "mail"}},
        "validation_notice.provided_on",
    ),
    (
        {
            "validation_notice": {
                "provided_on": "2025-06-02",
                "method": "mail",
                "received_on": "9999-12-31",
            }
        },
        "validation_notice.received_on",
    ),
    # Did not overflow, but are the same kind of input: refused alike.
    ({"history": [{"channel": "sms", "at": "0001-01-01T00:00:00Z"}]}, "history.0.at"),
    (
        {"flags": {"bankruptcy": True}, "flag_dates": {"bankruptcy": "0001-01-01"}},
        "flag_dates.bankruptcy",
    ),
    ({"credit_bureau_notices": ["2025-06-02", "9999-12-31"]}, "credit_bureau_notices.1"),
]


@pytest.mark.parametrize(("change", "field"), FAR_DATES)
def test_check_contact_refuses_a_date_near_year_1_or_9999_naming_the_field(
    change: dict[str, object], field: str
) -> None:
    doc = {"jurisdiction": "US", "channel": "sms", "at": "2025-06-10T12:00:00Z", **change}
    result = CliRunner().invoke(check_contact, input=json.dumps(doc))
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert json.loads(result.stderr)["errors"] == [
        {"field": field, "error": "the year must be 1900 to 2999"}
    ]


@pytest.mark.parametrize("day", ["1900-01-01", "2999-12-31"])
@pytest.mark.parametrize("jurisdiction", ["US", "US-MA", "CO"])
def test_check_contact_still_judges_every_date_of_the_accepted_years(
    day: str, jurisdiction: str
) -> None:
    """The first and last day accepted, in every date field at once: a verdict, no overflow."""
    doc = {
        "jurisdiction": jurisdiction,
        "channel": "voice",
        "at": f"{day}T12:00:00+00:00",
        "purpose": "notice",
        "promise_until": day,
        "delinquency_date": day,
        "last_payment_date": day,
        "charge_off_date": day,
        "consent_at": day,
        "disputed_on": day,
        "verification_sent_on": day,
        "credit_bureau_notices": [day],
        "validation_notice": {"provided_on": day, "method": "mail"},
        "reassigned_check": {"result": "yes", "date": day, "checked_at": f"{day}T00:00:00Z"},
        "flags": {"bankruptcy": True},
        "flag_dates": {"bankruptcy": day},
        "history": [{"channel": "voice", "at": f"{day}T01:00:00Z", "kind": "conversation"}],
    }
    result = CliRunner().invoke(check_contact, input=json.dumps(doc))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["action"] in {"allow", "defer", "suppress"}
    assert "account" in out


def test_check_contact_reads_flags_and_history_into_the_proposal() -> None:
    doc = {
        "jurisdiction": "US",
        "channel": "sms",
        "at": "2025-06-10T16:00:00Z",
        "flags": {"dispute": True},
        "opted_out_channels": ["email"],
        "history": [{"channel": "sms", "at": "2025-06-09T16:00:00Z"}],
    }
    result = CliRunner().invoke(check_contact, input=json.dumps(doc))
    out = json.loads(result.output)
    assert out["action"] == "suppress"
    assert out["decided_by"] == ["suppress.dispute"]
    assert out["reasons"][0]["params"]["outcome"] == "decided"


def test_policy_check_prints_each_error_once(tmp_path: Path) -> None:
    """A bad notice is rendered for every message and language: one line, not one per message."""
    second = '[messages.bye]\nversion = "1"\n[messages.bye.text.es]\nsms = "Adios {{ name }}"\n'
    f = tmp_path / "bad.toml"
    f.write_text(GOOD.replace("Acreedor: {{ creditor }}", "Acreedor: {{ creditr }}") + second)
    result = CliRunner().invoke(policy, ["check", str(f)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == [
        f"{f}: notices.creditor_identity.default.es: UndefinedError: 'creditr' is undefined"
    ]


def test_the_voicemail_example_prints_what_the_docs_show(tmp_path: Path) -> None:
    """A call's output says what a machine would hear: the limited-content message,
    or nothing where the tenant forbids voicemail (rules/CHECK_CONTACT.md)."""
    doc = files("recaudo.rules").joinpath("CHECK_CONTACT.md").read_text(encoding="utf-8")
    section = doc.split("## Worked example: what an answering machine hears")[1]
    given, allowed, forbidden = re.findall(r"```json\n(.*?)```", section, flags=re.S)
    policy = tmp_path / "tenant.toml"
    policy.write_text('version = "t1"\n\n[jurisdictions.US]\nvoicemail_allowed = false\n')
    for args, expected in (([], allowed), (["--policy", str(policy)], forbidden)):
        result = CliRunner().invoke(check_contact, args, input=given)
        assert result.exit_code == 0, result.output
        out = json.loads(result.output)
        assert out["action"] == "allow"
        assert out["voicemail"] == json.loads(expected)
    email = json.loads(given) | {"channel": "email"}
    result = CliRunner().invoke(check_contact, [], input=json.dumps(email))
    assert "voicemail" not in json.loads(result.output)
