"""The validation period (issue 26, part 3): its end as 12 CFR 1006.34(b)(5)
counts it, electronic notices without E-SIGN consent, and the wording that
overshadows it (15 U.S.C. 1692g(b)) caught by ``recaudo policy check``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from recaudo.policy_cli import policy as policy_cli
from recaudo.rules.validation_period import (
    OVERSHADOWING,
    ValidationNotice,
    assumed_receipt,
    demand_in,
)
from tests.conftest import POLICIES

D = dt.date


@pytest.mark.parametrize(
    ("provided", "received"),
    [
        # "at least five days (excluding legal public holidays ..., Saturdays, and Sundays)"
        (D(2026, 12, 1), D(2026, 12, 8)),  # Tue -> Wed 2 .. Fri 4, Mon 7, Tue 8
        (D(2026, 11, 20), D(2026, 11, 30)),  # Fri; Thanksgiving (Thu 26) skipped
        (D(2026, 7, 1), D(2026, 7, 9)),  # Wed; Independence Day observed Fri 3 skipped
        (D(2026, 12, 24), D(2027, 1, 4)),  # Christmas and New Year's Day skipped
    ],
)
def test_receipt_is_assumed_five_business_days_after_the_notice(
    provided: dt.date, received: dt.date
) -> None:
    assert assumed_receipt(provided) == received


def test_the_period_ends_thirty_days_after_receipt_assumed_or_proven() -> None:
    assumed = ValidationNotice(D(2026, 12, 1), "mail")
    assert assumed.period_end == D(2027, 1, 7)  # 30 days after Tue 8 December
    proven = ValidationNotice(D(2026, 12, 1), "mail", received_on=D(2026, 12, 3))
    assert proven.period_end == D(2027, 1, 2)
    assert proven.within(D(2027, 1, 2))
    assert not proven.within(D(2027, 1, 3))
    assert not proven.within(D(2026, 11, 30))


@pytest.mark.parametrize("method", ["email", "sms", "website"])
def test_an_electronic_notice_counts_only_with_e_sign_consent(method: str) -> None:
    without = ValidationNotice(D(2026, 12, 1), method)  # type: ignore[arg-type]
    assert not without.counts
    assert not without.within(D(2026, 12, 10))
    assert ValidationNotice(D(2026, 12, 1), method, esign_consent=True).counts  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language", "words"),
    [
        ("You must pay within 10 days or we will act.", "en", "within 10 days"),
        ("Please pay the balance immediately.", "en", "pay the balance immediately"),
        ("FINAL NOTICE: your balance is past due.", "en", "final notice"),
        ("Debe pagar el saldo antes del viernes.", "es", "debe pagar el saldo antes del"),
        ("Pague de inmediato para evitar cargos.", "es", "pague de inmediato"),
        ("Último aviso: regularize sua dívida.", "pt", "ultimo aviso"),
        ("Pague hoje mesmo pelo link.", "pt", "pague hoje mesmo"),
    ],
)
def test_a_demand_sooner_than_the_period_is_found(text: str, language: str, words: str) -> None:
    assert demand_in(text, language) == words


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Your payment of $95.00 was due 1 Dec. Pay here: https://pay.example", "en"),
        ("You may dispute this debt before 7 January 2027.", "en"),
        ("Su pago está pendiente. Pague aquí cuando pueda.", "es"),
    ],
)
def test_a_plain_reminder_is_not_a_demand(text: str, language: str) -> None:
    assert demand_in(text, language) is None


def check(tmp_path: Path, collector: bool) -> tuple[int, str]:
    text = (POLICIES / "acme.toml").read_text(encoding="utf-8")
    if collector:
        text = text.replace("third_party_collector = false", "third_party_collector = true", 1)
    f = tmp_path / "tenant.toml"
    f.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(policy_cli, ["check", str(f)])
    return result.exit_code, result.output


def test_policy_check_refuses_a_collectors_final_notice_and_names_the_rule(
    tmp_path: Path,
) -> None:
    code, out = check(tmp_path, collector=True)
    assert code == 1
    line = next(x for x in out.splitlines() if "messages.final_notice.text.en.sms" in x)
    assert "'final notice'" in line
    assert "cadence[2] (late)" in line
    assert OVERSHADOWING.id in line
    assert "15 U.S.C. 1692g(b)" in line


def test_a_creditor_collecting_its_own_debts_is_not_held_to_the_period(tmp_path: Path) -> None:
    code, out = check(tmp_path, collector=False)
    assert code == 0, out
