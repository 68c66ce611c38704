"""Time-barred debts (issue 26, part 4), each test from the wording it encodes."""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib.resources import files
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from recaudo.channels.content.check import barred_sample
from recaudo.channels.content.compose import Composer
from recaudo.channels.content.paylink import PayLinks
from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import MessageContent, Reason
from recaudo.policy_cli import policy
from recaudo.rules.cli import check_contact
from recaudo.rules.engine import evaluate
from recaudo.rules.limitations import AccountDates, limitation_for, past_obsolescence, time_barred
from recaudo.rules.policy import default_policy, parse_policy
from recaudo.rules.time_barred import LEGAL_THREATS, first_threat, threat_in, threats
from tests.unit.rules.conftest import ProposalFactory

THREATS = """version = "t1"

[notices.opt_out.default]
en = "Reply STOP to stop these messages."
es = "Responda STOP."
pt = "Responda SAIR."

[messages.demand]
version = "1"

[messages.demand.text.en]
sms = "Pay now or we will file a lawsuit. {{ required_notices }}"

[messages.demand.text.es]
sms = "Pague hoy o iniciaremos una demanda. {{ required_notices }}"

[messages.demand.text.pt]
sms = "Pague hoje ou entraremos com uma ação judicial. {{ required_notices }}"

[messages.polite]
version = "1"

[messages.polite.text.en]
sms = "Please call us about your account. {{ required_notices }}"
"""
DEFAULTED = dt.date(2020, 3, 1)
ON = dt.datetime(2025, 6, 10, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-7)))


def test_time_barred_means_the_statute_of_limitations_has_expired() -> None:
    """1006.26(a)(2): "a debt for which the applicable statute of limitations has
    expired"; Cal. Code Civ. Proc. 337: four years."""
    dates = AccountDates(delinquency_date=DEFAULTED)
    lim = limitation_for("US-CA")
    assert lim is not None
    assert lim.years == 4
    assert not time_barred("US-CA", dates, dt.date(2024, 2, 29)).barred
    assert time_barred("US-CA", dates, dt.date(2024, 3, 1)).barred


def test_new_york_three_years_and_the_tenant_finding_wins() -> None:
    """CPLR 213(a): three years on a consumer credit transaction."""
    dates = AccountDates(delinquency_date=dt.date(2022, 5, 1))
    assert time_barred("US-NY", dates, dt.date(2025, 5, 1)).barred
    stated = time_barred("US-NY", dates, dt.date(2025, 5, 1), stated=False)
    assert (stated.barred, stated.source) == (False, "stated")
    assert time_barred("US-NY", AccountDates(), dt.date(2025, 5, 1)).source == "unknown"


def test_a_state_without_a_row_gets_the_labelled_us_default() -> None:
    lim = limitation_for("US-OH")
    assert lim is not None
    assert lim.rule.kind == "policy_default"
    assert all(limitation_for(c) is not None for c in ("CO", "MX", "BR", "CL", "PE"))


def test_threatening_a_legal_action_on_a_time_barred_debt_is_suppressed(
    proposal: ProposalFactory,
) -> None:
    """1006.26(b): "A debt collector must not bring or threaten to bring a legal action
    against a consumer to collect a time-barred debt." A creditor collecting its own is
    held to it too, as tenant policy."""
    tenant = parse_policy(THREATS + "\n[sender]\nthird_party_collector = true\n")
    creditor = parse_policy(THREATS)
    base = {"jurisdiction": "US-CA", "timezone": "America/Los_Angeles", "at": ON}
    barred = proposal(**base, template="demand", delinquency_date=DEFAULTED)
    verdict = evaluate(barred, tenant)
    assert verdict.action == "suppress"
    assert verdict.decided_by == ("suppress.time_barred_threat",)
    assert verdict.reasons[0].citation == "12 CFR 1006.26(b)"
    assert verdict.reasons[0].params["kind"] == "law"
    own = evaluate(proposal(**base, template="demand", delinquency_date=DEFAULTED), creditor)
    assert own.decided_by == ("suppress.time_barred_threat",)
    assert own.reasons[0].params["kind"] == "policy_default"
    # Not time-barred yet, or a template without a threat: the rule does not block.
    fresh = proposal(**base, template="demand", delinquency_date=dt.date(2023, 1, 1))
    assert evaluate(fresh, tenant).action == "allow"
    polite = proposal(**base, template="polite", delinquency_date=DEFAULTED)
    assert evaluate(polite, tenant).action == "allow"


def test_a_templates_first_threat_is_worked_out_once_per_template() -> None:
    """The scan is remembered per template object, and a reloaded policy's template
    (a new object, here with the threat gone) is scanned afresh."""
    tenant = parse_policy(THREATS)
    demand, polite = tenant.messages["demand"], tenant.messages["polite"]
    assert first_threat(demand) == next(threats(demand)) == ("en", "sms", "lawsuit")
    assert first_threat(demand) is first_threat(demand)
    assert first_threat(polite) is None
    reloaded = parse_policy(THREATS.replace("or we will file a lawsuit", "please"))
    assert first_threat(reloaded.messages["demand"]) == ("es", "sms", "demanda")


def test_outside_the_us_the_refusal_is_policy(proposal: ProposalFactory) -> None:
    tenant = parse_policy(THREATS)
    p = proposal(
        jurisdiction="CO",
        timezone="America/Bogota",
        at=dt.datetime(2025, 6, 10, 10, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        template="demand",
        time_barred=True,
    )
    verdict = evaluate(p, tenant)
    assert verdict.decided_by == ("suppress.time_barred_threat",)
    assert verdict.reasons[0].params["kind"] == "policy_default"


@given(
    lang=st.sampled_from(sorted(LEGAL_THREATS)),
    before=st.text(alphabet="abcdefghij ", max_size=20),
    after=st.text(alphabet="abcdefghij ", max_size=20),
    data=st.data(),
)
def test_every_language_finds_its_legal_action_words(
    lang: str, before: str, after: str, data: st.DataObject
) -> None:
    word = data.draw(
        st.sampled_from(
            {
                "en": ["sue", "lawsuit", "legal action", "court", "judgment", "garnishment"],
                "es": ["demanda", "juicio", "acción judicial", "cobro jurídico", "embargo"],
                "pt": ["ação judicial", "processo", "penhora", "justiça", "tribunal"],
            }[lang]
        )
    )
    text = f"{before} {word.upper() if data.draw(st.booleans()) else word} {after}"
    assert threat_in(text, lang) is not None


def test_courtesy_is_not_court_and_unknown_languages_check_every_list() -> None:
    assert threat_in("A courtesy reminder from your lender", "en") is None
    assert threat_in("Wir werden eine demanda einreichen", "de") == "demanda"


def test_policy_check_refuses_a_threat_a_late_cadence_step_can_send(tmp_path: Path) -> None:
    cadence = (
        '[[cadence]]\nid = "late"\nmin_dpd = 61\nchannels = ["sms"]\ntemplate = "demand"\n\n'
        '[templates.demand]\nen = "demand_v1"\n'
    )
    f = tmp_path / "p.toml"
    f.write_text('default_language = "en"\n' + THREATS + cadence)
    result = CliRunner().invoke(policy, ["check", str(f)])
    assert result.exit_code == 1
    assert "messages.demand.text.en.sms: threatens legal action ('lawsuit')" in result.output
    assert "cadence[0] (late)" in result.output
    assert "suppress.time_barred_threat (12 CFR 1006.26(b)" in result.output
    assert "messages.demand.text.es.sms: threatens legal action ('demanda')" in result.output
    # A step that never reaches a time-barred account may use it.
    f.write_text('default_language = "en"\n' + THREATS + cadence.replace("61", "61\nmax_dpd = 90"))
    assert "threatens" not in CliRunner().invoke(policy, ["check", str(f)]).output


def _compose(jurisdiction: str, obsolete: bool, text: str = "") -> MessageContent | Reason:
    tenant = default_policy()
    if text:
        tenant = parse_policy(THREATS.replace("Please call us about your account.", text))
    links = PayLinks("test", "https://example.invalid", dt.timedelta(days=7))
    composer = Composer(lambda _t: tenant, links)
    state = barred_sample("en", jurisdiction, obsolete)
    out = composer.compose(
        "t", state, "acct-1", Channel.SMS, "polite" if text else "reminder", "c" * 24,
        dt.datetime(2026, 1, 15, 15, tzinfo=dt.UTC), debtor_id="d" * 24,
    )  # fmt: skip
    assert out is not None
    return out


def test_california_messages_about_time_barred_debts_carry_the_notice() -> None:
    """Civ. Code 1788.14(d)(1)/(2): the notice differs once past obsolescence."""
    current = _compose("US-CA", obsolete=False)
    assert isinstance(current, MessageContent)
    assert "Because of the age of your debt, we will not sue you for it." in current.text
    assert "may continue to report it" in current.text
    old = _compose("US-CA", obsolete=True)
    assert isinstance(old, MessageContent)
    assert "we will not report it to any credit reporting agency" in old.text
    # A policy without the notice text: the message is not sent, the rule named.
    missing = _compose("US-CA", obsolete=False, text="Please call us.")
    assert isinstance(missing, Reason)
    assert missing.rule_id == "notice.us-ca.time_barred"


def test_obsolescence_is_seven_years_after_180_days_past_delinquency() -> None:
    """15 U.S.C. 1681c(a)(4) and (c)(1)."""
    dates = AccountDates(delinquency_date=dt.date(2015, 1, 1))
    assert not past_obsolescence(dates, dt.date(2022, 6, 29))
    assert past_obsolescence(dates, dt.date(2022, 6, 30))


def test_check_contact_md_time_barred_example_runs_as_documented(tmp_path: Path) -> None:
    doc = files("recaudo.rules").joinpath("CHECK_CONTACT.md").read_text(encoding="utf-8")
    example = doc.split("## Worked example: a threat of suit on a time-barred debt", 1)[1]
    toml = re.findall(r"```toml\n(.*?)```", example, flags=re.S)[0]
    given_, expected = re.findall(r"```json\n(.*?)```", example, flags=re.S)[:2]
    f = tmp_path / "tenant.toml"
    f.write_text(toml)
    result = CliRunner().invoke(check_contact, ["--policy", str(f)], input=given_)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads(expected)


def test_a_city_is_time_barred_as_its_state_and_signs_as_its_countrys_entity() -> None:
    # New York City has no row: New York's three years (not the US default) apply.
    city, state = limitation_for("US-NY-NYC"), limitation_for("US-NY")
    assert city is not None
    assert city == state
    assert city != limitation_for("US")
    sender = default_policy().sender
    assert sender.for_jurisdiction("US-NY-NYC") == sender.for_jurisdiction("US")
