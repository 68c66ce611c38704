"""Suppressions, gaps and history-based caps: every verdict names its rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from recaudo.contracts.events import AccountStatus, Channel
from recaudo.rules import evaluate
from recaudo.rules.base import Flags, HistoryKind
from recaudo.rules.policy import TenantPolicy, parse_policy
from recaudo.rules.profiles import PROFILES
from recaudo.rules.profiles.base import SUPPRESSION_IDS, SUPPRESSION_KEYS
from tests.unit.rules.conftest import BOGOTA, NY, ProposalFactory, item, local

NOON = local(NY, 2025, 6, 10, 12, 0)


@pytest.mark.parametrize(
    ("flag", "rule_id", "citation"),
    [
        ("cease_and_desist", "suppress.cease_and_desist", "12 CFR 1006.6(c)(1)"),
        ("dispute", "suppress.dispute", None),  # policy: see test_dispute_pause.py
        ("bankruptcy", "suppress.bankruptcy", "11 U.S.C. 362(a)(6)"),
        ("deceased", "suppress.deceased", None),
        ("legal_hold", "suppress.legal_hold", None),
    ],
)
def test_us_flags_suppress_with_citation(
    proposal: ProposalFactory,
    collector: TenantPolicy,
    flag: str,
    rule_id: str,
    citation: str | None,
) -> None:
    """As a debt collector is bound (Regulation F's citations are law for one)."""
    verdict = evaluate(proposal(flags=Flags(**{flag: True})), collector)
    assert verdict.action == "suppress"
    assert verdict.defer_until is None
    assert [r.rule_id for r in verdict.reasons] == [rule_id]
    if citation is not None:
        assert verdict.reasons[0].citation == citation
        assert verdict.reasons[0].params["kind"] == "law"
    else:
        assert verdict.reasons[0].params["kind"] == "policy_default"


def test_reg_f_electronic_opt_out(proposal: ProposalFactory, collector: TenantPolicy) -> None:
    opted_out = proposal(channel=Channel.SMS, opted_out_channels=frozenset({Channel.SMS}))
    sms = evaluate(opted_out, collector)
    assert sms.action == "suppress"
    # The medium the person asked not to be used: 1006.14(h)(1); 1006.6(e) is the notice.
    assert (sms.reasons[0].citation or "").startswith("12 CFR 1006.14(h)(1)")
    # An opt-out of SMS does not stop e-mail.
    email = evaluate(proposal(channel=Channel.EMAIL, opted_out_channels=frozenset({Channel.SMS})))
    assert email.allowed
    # A creditor is no debt collector: the TCPA's revocation binds it, still as law.
    creditor = evaluate(opted_out).reasons[0]
    assert (creditor.citation or "").startswith("47 CFR 64.1200(a)(10)")
    assert creditor.params["kind"] == "law"


def test_reg_f_binds_debt_collectors_a_creditor_follows_it_as_policy(
    proposal: ProposalFactory, collector: TenantPolicy
) -> None:
    """12 CFR 1006.2(i)(1), 15 U.S.C. 1692a(6)(A): a creditor collecting its own debts
    is not a debt collector. It is held to the same hours, counts and cease, labelled
    tenant policy; the stay in bankruptcy binds every creditor and stays law."""
    late = proposal(at=local(NY, 2025, 6, 10, 22, 0))
    as_collector, as_creditor = evaluate(late, collector), evaluate(late)
    assert as_collector.defer_until == as_creditor.defer_until
    assert as_collector.reasons[0].params["kind"] == "law"
    assert as_collector.reasons[0].citation == "12 CFR 1006.6(b)(1)(i)"
    assert as_creditor.reasons[0].params["kind"] == "policy_default"
    assert as_creditor.reasons[0].citation == (
        "Tenant policy (Regulation F binds debt collectors only): follows 12 CFR 1006.6(b)(1)(i)"
    )
    ceased = evaluate(proposal(flags=Flags(cease_and_desist=True))).reasons[0]
    assert ceased.params["kind"] == "policy_default"
    bankrupt = evaluate(proposal(flags=Flags(bankruptcy=True))).reasons[0]
    assert (bankrupt.params["kind"], bankrupt.citation) == ("law", "11 U.S.C. 362(a)(6)")
    # California's Rosenthal Act applies the FDCPA's hours and cease to creditors.
    ca = evaluate(
        proposal(
            jurisdiction="US-CA",
            timezone="America/Los_Angeles",
            at=local(ZoneInfo("America/Los_Angeles"), 2025, 6, 10, 22, 0),
        )
    )
    assert ca.reasons[0].params["kind"] == "law"
    assert (ca.reasons[0].citation or "").startswith("Cal. Civ. Code 1788.17")


def test_reg_f_1006_14_h_opt_out_of_calls_and_of_everything(
    proposal: ProposalFactory, collector: TenantPolicy
) -> None:
    voice = evaluate(proposal(opted_out_channels=frozenset({Channel.VOICE})), collector)
    assert voice.reasons[0].citation == "12 CFR 1006.14(h)(1)"
    everything = evaluate(proposal(channel=Channel.EMAIL, opted_out_all=True))
    assert everything.action == "suppress"
    assert everything.reasons[0].params["channel"] == "all"


def test_hard_bounce_suppresses(proposal: ProposalFactory) -> None:
    verdict = evaluate(proposal(channel=Channel.EMAIL, bounced=True))
    assert [r.rule_id for r in verdict.reasons] == ["suppress.hard_bounce"]


def test_ley_2300_art_2_only_authorised_channels(proposal: ProposalFactory) -> None:
    verdict = evaluate(
        proposal(jurisdiction="CO", timezone="America/Bogota", channel=Channel.SMS, consent=False)
    )
    assert verdict.action == "suppress"
    assert verdict.reasons[0].rule_id == "suppress.no_consent"
    assert verdict.reasons[0].params["kind"] == "law"
    assert verdict.reasons[0].citation == "Ley 2300 de 2023, art. 2"


def test_colombia_current_account_is_not_collected_even_if_tenant_allows(
    proposal: ProposalFactory,
) -> None:
    lax = parse_policy('version = "lax"\n[defaults]\nrequire_delinquent = false\n')
    co = proposal(
        jurisdiction="CO",
        timezone="America/Bogota",
        channel=Channel.SMS,
        at=local(BOGOTA, 2025, 6, 10, 10),
        account_status=AccountStatus.CURRENT,
    )
    co_reason = evaluate(co, lax).reasons[0]
    assert co_reason.rule_id == "account.not_delinquent"
    assert co_reason.citation == "Ley 2300 de 2023, art. 1"
    assert co_reason.params["kind"] == "law"
    # In the US the same requirement is a tenant default, which this tenant switched off.
    us = proposal(account_status=AccountStatus.CURRENT)
    assert evaluate(us).reasons[0].params["kind"] == "policy_default"
    assert evaluate(us, lax).allowed


def test_promise_to_pay_holds_until_date_plus_grace(proposal: ProposalFactory) -> None:
    """Promise due 2025-06-12, grace 2 days: contact resumes 2025-06-15 at 8:00 local."""
    verdict = evaluate(proposal(promise_until=dt.date(2025, 6, 12)))
    assert verdict.action == "defer"
    assert verdict.defer_until == local(NY, 2025, 6, 15, 8, 0)
    assert verdict.reasons[0].rule_id == "suppress.promise_to_pay"
    assert verdict.reasons[0].params["grace_days"] == 2
    assert evaluate(proposal(promise_until=dt.date(2025, 6, 7))).allowed


def test_reg_f_1006_14_b_2_i_a_seven_calls_in_seven_days(
    proposal: ProposalFactory, collector: TenantPolicy
) -> None:
    """7 calls on 2025-06-03..09 at 12:00: the 8th waits until the first leaves the window."""
    history = tuple(item(local(NY, 2025, 6, 3 + i, 12, 0)) for i in range(7))
    blocked = evaluate(proposal(at=local(NY, 2025, 6, 9, 18, 0), history=history), collector)
    assert blocked.action == "defer"
    assert blocked.defer_until == local(NY, 2025, 6, 10, 12, 0)
    assert blocked.reasons[0].rule_id == "us.reg_f.call_frequency"
    assert blocked.reasons[0].citation == "12 CFR 1006.14(b)(2)(i)(A)"
    assert evaluate(proposal(at=local(NY, 2025, 6, 10, 12, 0), history=history)).allowed
    # Six calls leave room for a seventh; SMS history does not count against calls.
    assert evaluate(proposal(at=local(NY, 2025, 6, 9, 18, 0), history=history[1:])).allowed
    sms = tuple(replace(h, channel=Channel.SMS) for h in history)
    assert evaluate(proposal(at=local(NY, 2025, 6, 9, 18, 0), history=sms[4:])).allowed


def test_reg_f_1006_14_b_2_i_b_seven_days_after_conversation(proposal: ProposalFactory) -> None:
    """Conversation on 2025-06-05 is day one: next call on 2025-06-12 at 8:00 local."""
    talk = item(local(NY, 2025, 6, 5, 19, 0), kind=HistoryKind.CONVERSATION, account_id="a1")
    verdict = evaluate(proposal(account_id="a1", history=(talk,)))
    assert verdict.action == "defer"
    assert verdict.defer_until == local(NY, 2025, 6, 12, 8, 0)
    assert verdict.reasons[0].rule_id == "us.reg_f.after_conversation"
    # Per debt: a conversation about another account does not block this one.
    assert evaluate(proposal(account_id="a2", history=(talk,))).allowed
    # An e-mail is not a telephone call.
    assert evaluate(proposal(account_id="a1", channel=Channel.EMAIL, history=(talk,))).allowed


def test_940_cmr_7_04_massachusetts_two_calls_in_seven_days(proposal: ProposalFactory) -> None:
    history = (item(local(NY, 2025, 6, 6, 12)), item(local(NY, 2025, 6, 8, 12)))
    ma = evaluate(proposal(jurisdiction="US-MA", history=history))
    assert ma.action == "defer"
    assert ma.defer_until == local(NY, 2025, 6, 13, 12)
    assert ma.reasons[0].citation == "940 CMR 7.04(1)(f)"
    assert evaluate(proposal(jurisdiction="US", history=history)).allowed


def test_ley_2300_art_3_one_contact_a_day(proposal: ProposalFactory) -> None:
    """ "El mismo día" is the local calendar day: the next one opens at 7:00."""
    co = {"jurisdiction": "CO", "timezone": "America/Bogota", "channel": Channel.SMS}
    morning = item(local(BOGOTA, 2025, 6, 10, 9, 0), channel=Channel.EMAIL)
    verdict = evaluate(proposal(**co, at=local(BOGOTA, 2025, 6, 10, 15), history=(morning,)))
    assert verdict.action == "defer"
    assert verdict.defer_until == local(BOGOTA, 2025, 6, 11, 7, 0)
    assert "co.ley2300.art3.una_al_dia" in {r.rule_id for r in verdict.reasons}


def test_ley_2300_art_3_after_direct_contact_no_other_channel_that_week(
    proposal: ProposalFactory,
) -> None:
    co = {"jurisdiction": "CO", "timezone": "America/Bogota"}
    talk = item(local(BOGOTA, 2025, 6, 9, 10), channel=Channel.VOICE, kind=HistoryKind.CONVERSATION)
    sms = evaluate(
        proposal(**co, channel=Channel.SMS, at=local(BOGOTA, 2025, 6, 11, 10), history=(talk,))
    )
    assert sms.action == "defer"
    assert sms.defer_until == local(BOGOTA, 2025, 6, 16, 7, 0)
    assert "co.ley2300.art3.un_canal_semana" in {r.rule_id for r in sms.reasons}


def test_colombia_weekly_defaults_are_marked_tenant_configurable(proposal: ProposalFactory) -> None:
    co = {"jurisdiction": "CO", "timezone": "America/Bogota", "channel": Channel.SMS}
    monday = item(local(BOGOTA, 2025, 6, 9, 10), channel=Channel.SMS)
    verdict = evaluate(proposal(**co, at=local(BOGOTA, 2025, 6, 11, 10), history=(monday,)))
    weekly = next(r for r in verdict.reasons if r.rule_id == "co.policy.semanal.sms")
    assert weekly.params["kind"] == "policy_default"
    assert verdict.defer_until == local(BOGOTA, 2025, 6, 16, 10)


def test_ley_19496_art_37_chile_electronic_two_days_apart(proposal: ProposalFactory) -> None:
    santiago = "America/Santiago"
    sent = item(dt.datetime(2025, 6, 9, 14, tzinfo=dt.UTC), channel=Channel.EMAIL)
    verdict = evaluate(
        proposal(
            jurisdiction="CL",
            timezone=santiago,
            channel=Channel.SMS,
            at=dt.datetime(2025, 6, 10, 14, tzinfo=dt.UTC),
            history=(sent,),
        )
    )
    assert verdict.defer_until == dt.datetime(2025, 6, 11, 14, tzinfo=dt.UTC)
    assert verdict.reasons[0].rule_id == "cl.ley19496.art37.separacion_dos_dias"


def test_window_and_cap_push_each_other(proposal: ProposalFactory) -> None:
    """The cap frees at 21:30 (window closed), so the answer is 8:00 the next day."""
    history = tuple(
        item(local(NY, 2025, 6, 3 + i, 21 if i == 0 else 12, 30 if i == 0 else 0)) for i in range(7)
    )
    verdict = evaluate(proposal(at=local(NY, 2025, 6, 10, 9, 0), history=history))
    assert verdict.defer_until == local(NY, 2025, 6, 11, 8, 0)
    ids = [r.rule_id for r in verdict.reasons]
    assert "us.reg_f.call_frequency" in ids
    assert "us.reg_f.inconvenient_time" in ids


def test_unknown_jurisdiction_is_suppressed_not_dropped(proposal: ProposalFactory) -> None:
    verdict = evaluate(proposal(jurisdiction="AR", timezone="America/Argentina/Buenos_Aires"))
    assert verdict.action == "suppress"
    assert verdict.reasons[0].rule_id == "jurisdiction.unsupported"


def test_allowed_verdict_names_checked_rules_and_version(proposal: ProposalFactory) -> None:
    verdict = evaluate(proposal())
    assert verdict.allowed
    assert verdict.profile_version == "US-2021.11+default@2025.1"
    ids = {r.rule_id for r in verdict.reasons}
    assert {"us.reg_f.inconvenient_time", "us.reg_f.call_frequency"} <= ids


@pytest.mark.parametrize("code", sorted(PROFILES))
def test_every_rule_is_data_with_id_citation_version(code: str) -> None:
    """Contract run over every profile: ids unique per meaning, citations present."""
    profile = PROFILES[code]
    assert set(SUPPRESSION_KEYS) <= set(profile.suppressions)
    for key, rule in profile.suppressions.items():
        assert rule.id == SUPPRESSION_IDS[key]
    for rule in profile.rules():
        assert rule.id
        assert rule.citation
        assert rule.version
        assert rule.kind in ("law", "policy_default")
    law = [r for r in profile.rules() if r.kind == "law"]
    if code != "BR":  # Brazil's CDC sets no hours or counts: all numbers are defaults.
        assert law, f"{code} encodes no legal rule"
    assert profile.version.startswith(code.split("-")[0])
