"""Content rules before deployment (`policy check`) and at decision time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from recaudo.channels.content import Composer, PayLinks
from recaudo.channels.content.check import check_content
from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import MessageContent, Reason
from recaudo.contracts.state import AccountState
from recaudo.policy_cli import policy as policy_cli
from recaudo.rules.policy import TenantPolicy, default_policy, load_policy, parse_policy
from recaudo.simulator.portfolio import REGIONS
from recaudo.streams.state import DebtorState
from tests.conftest import POLICIES

ACME = (POLICIES / "acme.toml").read_text(encoding="utf-8")
EN_SMS = (
    'sms = "{{ creditor }}: Hi {{ name }}, your payment of {{ amount_due|money }} was due '
    '{{ due_date|date }}. Pay here: {{ pay_url }} {{ required_notices }}"'
)
NOW = dt.datetime(2026, 3, 10, 15, tzinfo=dt.UTC)


def variant(old: str, new: str, count: int = 1) -> str:
    assert old in ACME
    return ACME.replace(old, new, count)


def check(tmp_path: Path, text: str) -> tuple[int, str]:
    f = tmp_path / "tenant.toml"
    f.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(policy_cli, ["check", str(f)])
    return result.exit_code, result.output


def test_the_fixture_policy_passes(tmp_path: Path) -> None:
    code, out = check(tmp_path, ACME)
    assert code == 0, out


def test_an_undefined_variable_is_rejected_naming_file_and_template(tmp_path: Path) -> None:
    code, out = check(tmp_path, variant(EN_SMS, EN_SMS.replace("{{ name }}", "{{ nmae }}")))
    assert code == 1
    assert f"{tmp_path / 'tenant.toml'}: messages.reminder.text.en.sms" in out
    assert "'nmae' is undefined" in out


def test_a_syntax_error_is_rejected_with_its_line(tmp_path: Path) -> None:
    code, out = check(tmp_path, variant(EN_SMS, EN_SMS.replace("{{ name }}", "{% if name %}")))
    assert code == 1
    assert "messages.reminder.text.en.sms: TemplateSyntaxError" in out
    assert "(line 1)" in out


def test_a_missing_required_notice_is_rejected_with_its_citation(tmp_path: Path) -> None:
    code, out = check(tmp_path, variant(EN_SMS, EN_SMS.replace(" {{ required_notices }}", "")))
    assert code == 1
    assert "[US] reminder/en/sms fails notice.us.opt_out" in out
    assert "12 CFR 1006.6(e)" in out


def test_a_channel_the_cadence_uses_without_a_text_is_rejected(tmp_path: Path) -> None:
    code, out = check(tmp_path, ACME.replace(EN_SMS, "", 1))
    assert code == 1
    assert "cadence[0] (early): messages.reminder.text.en has no sms text" in out


def test_debt_collector_disclosure_is_required_of_third_party_collectors() -> None:
    policy = parse_policy(variant("third_party_collector = false", "third_party_collector = true"))
    assert check_content(policy, "p.toml") == []  # the templates insert required_notices
    stripped = parse_policy(
        variant("third_party_collector = false", "third_party_collector = true").replace(
            "[notices.debt_collector.default]", "[notices.debt_collector_unused.default]"
        )
    )
    problems = check_content(stripped, "p.toml")
    assert any("notice.us.debt_collector" in p and "1006.18(e)" in p for p in problems)


def composer(policy: TenantPolicy) -> Composer:
    return Composer(lambda _t: policy, PayLinks("k", "https://r.example.com", dt.timedelta(days=1)))


def debtor(jurisdiction: str = "US", language: str = "en") -> DebtorState:
    account = AccountState(days_past_due=5, due=10_000, bal=10_000, cur="USD", cycle="2026-03-01")
    return DebtorState(
        tz="America/New_York", jur=jurisdiction, lang=language, accounts={"a1": account}
    )


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.EMAIL, Channel.WHATSAPP])
def test_a_message_without_its_notice_is_never_composed(channel: Channel) -> None:
    policy = parse_policy(ACME.replace("[notices.opt_out", "[notices.unused_opt_out"))
    out = composer(policy).compose(
        "acme", debtor(), "a1", channel, "reminder", "c1", NOW, debtor_id="d1"
    )
    assert isinstance(out, Reason)
    assert out.rule_id == "notice.us.opt_out"
    assert out.citation is not None
    assert "1006.6(e)" in out.citation


def test_voice_needs_no_electronic_opt_out_notice() -> None:
    policy = parse_policy(ACME.replace("[notices.opt_out", "[notices.unused_opt_out"))
    out = composer(policy).compose(
        "acme", debtor(), "a1", Channel.VOICE, "reminder", "c1", NOW, debtor_id="d1"
    )
    assert isinstance(out, MessageContent)
    assert out.tts_language == "en-US"


def test_email_has_both_parts_and_one_click_unsubscribe_headers() -> None:
    policy = load_policy(POLICIES / "acme.toml")
    out = composer(policy).compose(
        "acme", debtor(), "a1", Channel.EMAIL, "reminder", "c1", NOW, debtor_id="d1"
    )
    assert isinstance(out, MessageContent)
    assert out.subject == "Recaudo Demo: your payment of $100.00 is overdue"
    assert out.html is not None
    assert "<strong>$100.00</strong>" in out.html
    assert out.headers == {
        "List-Unsubscribe": "<https://pay.example.com/unsubscribe/c1>, "
        "<mailto:unsubscribe@example.com>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_an_sms_over_its_segment_budget_is_not_sent() -> None:
    policy = parse_policy(ACME.replace("max_sms_segments = 4", "max_sms_segments = 1"))
    out = composer(policy).compose(
        "acme", debtor(), "a1", Channel.SMS, "reminder", "c1", NOW, debtor_id="d1"
    )
    assert isinstance(out, Reason)
    assert out.rule_id == "content.sms_segments"
    assert out.params["limit"] == 1


def test_composition_is_deterministic() -> None:
    policy = load_policy(POLICIES / "acme.toml")
    one = composer(policy).compose(
        "acme", debtor(), "a1", Channel.SMS, "reminder", "c1", NOW, debtor_id="d1"
    )
    two = composer(policy).compose(
        "acme", debtor(), "a1", Channel.SMS, "reminder", "c1", NOW, debtor_id="d1"
    )
    assert one == two


def test_mexican_collection_agencies_identify_themselves() -> None:
    third_party = variant("third_party_collector = false", "third_party_collector = true")
    stripped = parse_policy(
        third_party.replace("[notices.collector_identity.", "[notices.unused_identity.")
    )
    problems = check_content(stripped, "p.toml")
    assert any("[MX]" in p and "notice.mx.despacho_identity" in p for p in problems)
    assert not any("[CO]" in p for p in problems)


@pytest.mark.parametrize(("jurisdiction", "zone", "language", "currency"), REGIONS)
@pytest.mark.parametrize("channel", [Channel.SMS, Channel.EMAIL, Channel.WHATSAPP])
def test_every_demo_debtor_gets_their_language_and_their_countrys_entity(
    jurisdiction: str, zone: str, language: str, currency: str, channel: Channel
) -> None:
    """The demo writes with the built-in policy: a Brazilian debtor's message is Portuguese
    and names the Brazilian entity's CNPJ and address, never the Colombian NIT."""
    policy = default_policy()
    entity = policy.sender.for_jurisdiction(jurisdiction)
    account = AccountState(
        days_past_due=5, due=125_000, bal=250_000, cur=currency, cycle="2026-03-01"
    )
    state = DebtorState(tz=zone, jur=jurisdiction, lang=language, accounts={"a1": account})
    out = composer(policy).compose(
        "demo", state, "a1", channel, "reminder", "c1", NOW, debtor_id="d1"
    )
    assert isinstance(out, MessageContent), out
    assert out.language.split("-")[0] == language
    text = " ".join(filter(None, [out.subject, out.text]))
    senders = [policy.sender.for_jurisdiction(code) for code, *_ in REGIONS]
    for detail in {d for s in senders for d in (s.tax_id, s.address) if d} - {
        entity.tax_id,
        entity.address,
    }:
        assert detail not in text, f"{jurisdiction} message carries {detail!r}"
    if jurisdiction == "BR" and channel == Channel.EMAIL:
        assert f"CNPJ/CPF {entity.tax_id}, {entity.address}" in text
