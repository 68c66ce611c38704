"""Courtesy reminders against each jurisdiction's servicing rules: collection-only
rules do not apply, every other rule does (as policy where the law's reach is
unclear), and an opt-out always wins."""

from __future__ import annotations

import datetime as dt

import pytest

from recaudo.contracts.events import AccountStatus, Channel
from recaudo.rules.engine import evaluate
from recaudo.rules.profiles import PROFILES
from recaudo.rules.profiles.servicing import UNREVIEWED, Servicing
from tests.unit.rules.conftest import BOGOTA, NY, ProposalFactory, collector_policy, item, local

CURRENT = AccountStatus.CURRENT


def test_a_reminder_on_a_current_account_is_allowed_where_collection_is_suppressed(
    proposal: ProposalFactory,
) -> None:
    collection = evaluate(proposal(account_status=CURRENT, days_past_due=0))
    assert collection.action == "suppress"
    assert collection.decided_by == ("account.not_delinquent",)
    reminder = evaluate(proposal(account_status=CURRENT, days_past_due=0, purpose="reminder"))
    assert reminder.allowed, reminder
    assert reminder.profile_version.endswith("+reminder")


def test_reg_f_call_counts_bind_collection_but_not_a_creditors_reminder(
    proposal: ProposalFactory,
) -> None:
    # Seven calls about this debt in the last seven days.
    calls = tuple(
        item(local(NY, 2025, 6, 4 + k, 9), Channel.VOICE, account_id="a1") for k in range(7)
    )
    at = local(NY, 2025, 6, 10, 12)
    collection = evaluate(proposal(account_id="a1", history=calls, at=at))
    assert collection.action == "defer"
    assert "us.reg_f.call_frequency" in collection.decided_by
    reminder = evaluate(
        proposal(account_id="a1", history=calls, at=at, account_status=CURRENT, purpose="reminder")
    )
    assert reminder.allowed, reminder.decided_by
    assert "us.reg_f.call_frequency" not in reminder.passed


def test_the_hours_still_bind_a_reminder_labelled_as_policy(proposal: ProposalFactory) -> None:
    late = proposal(at=local(NY, 2025, 6, 10, 22), account_status=CURRENT, purpose="reminder")
    verdict = evaluate(late)
    assert verdict.action == "defer"
    assert verdict.defer_until == local(NY, 2025, 6, 11, 8).astimezone(dt.UTC)
    [reason] = verdict.reasons
    assert reason.rule_id == "us.reg_f.inconvenient_time"
    assert reason.params["kind"] == "policy_default", "Reg F does not bind it: our policy"
    assert reason.citation is not None
    assert reason.citation.startswith("Tenant policy for reminders (Regulation F binds")


def test_massachusetts_two_in_seven_applies_to_reminders_as_policy(
    proposal: ProposalFactory,
) -> None:
    texts = tuple(item(local(NY, 2025, 6, d, 12), Channel.SMS) for d in (8, 9))
    verdict = evaluate(
        proposal(
            jurisdiction="US-MA",
            channel=Channel.SMS,
            history=texts,
            account_status=CURRENT,
            purpose="reminder",
        )
    )
    assert verdict.action == "defer"
    reason = next(
        r for r in verdict.reasons if r.rule_id == "us-ma.policy.communications_all_debts"
    )
    assert reason.params["kind"] == "policy_default"


def test_colombia_still_needs_an_authorised_channel_for_a_reminder(
    proposal: ProposalFactory,
) -> None:
    verdict = evaluate(
        proposal(
            jurisdiction="CO",
            timezone="America/Bogota",
            channel=Channel.SMS,
            at=local(BOGOTA, 2025, 6, 10, 10),
            account_status=CURRENT,
            consent=False,
            purpose="reminder",
        )
    )
    assert verdict.decided_by == ("suppress.no_consent",)
    assert verdict.reasons[0].params["kind"] == "policy_default"
    assert "Ley 2300 de 2023, art. 2" in (verdict.reasons[0].citation or "")


@pytest.mark.parametrize("code", sorted(PROFILES))
def test_an_opt_out_always_wins_over_a_reminder(proposal: ProposalFactory, code: str) -> None:
    profile = PROFILES[code]
    verdict = evaluate(
        proposal(
            jurisdiction=code,
            timezone=profile.zones[0],
            channel=Channel.SMS,
            account_status=CURRENT,
            opted_out_channels=frozenset({Channel.SMS}),
            purpose="reminder",
        )
    )
    assert verdict.action == "suppress"
    assert verdict.decided_by == ("suppress.opt_out",)


@pytest.mark.parametrize("code", sorted(PROFILES))
def test_every_profile_says_with_a_citation_how_its_rules_bind_reminders(code: str) -> None:
    servicing = PROFILES[code].servicing
    assert servicing is not UNREVIEWED
    assert "account.not_delinquent" in servicing.exempt
    assert any(ch.isdigit() for ch in servicing.scope), "the scope cites an article"
    reminders = PROFILES[code].for_reminders()
    timing = [w.rule for w in reminders.windows] + [c.rule for c in reminders.caps]
    timing += [g.rule for g in reminders.gaps]
    assert not {r.id for r in timing} & servicing.exempt, "collection-only rules dropped"
    assert reminders.delinquent_law is None
    for rule in reminders.rules():
        assert rule.kind != "law" or rule.id in servicing.law, "law only where it covers them"


def test_an_opt_out_can_never_be_declared_exempt() -> None:
    with pytest.raises(ValueError, match="always apply"):
        Servicing(scope="x 1", label="x", exempt=frozenset({"suppress.opt_out"}))


@pytest.mark.parametrize("code", ["US", "US-MA", "US-WA"])
def test_a_third_party_collectors_reminder_is_collection_under_reg_f(
    proposal: ProposalFactory, code: str
) -> None:
    """12 CFR 1006.2(i); 15 U.S.C. 1692a(6)(F)(iii): the sender is a debt collector."""
    collector = collector_policy()
    current = proposal(
        jurisdiction=code, account_status=CURRENT, days_past_due=0, purpose="reminder"
    )
    assert evaluate(current).allowed, "a creditor may remind its own customer"
    verdict = evaluate(current, collector)
    assert verdict.action == "suppress"
    assert verdict.decided_by == ("account.not_delinquent",)
    assert verdict.profile_version.endswith("+reminder.collector")
    assert "1692a(6)(F)(iii)" in (verdict.reasons[0].citation or "")
    # Every other collection rule binds it as law: Reg F's call count and hours.
    calls = tuple(
        item(local(NY, 2025, 6, 4 + k, 9), Channel.VOICE, account_id="a1") for k in range(7)
    )
    delinquent = proposal(
        jurisdiction=code,
        account_id="a1",
        history=calls,
        at=local(NY, 2025, 6, 10, 12),
        account_status=AccountStatus.DELINQUENT,
        days_past_due=3,
        purpose="reminder",
    )
    capped = evaluate(delinquent, collector)
    assert capped.action == "defer"
    assert "us.reg_f.call_frequency" in capped.decided_by
    late = evaluate(
        proposal(
            jurisdiction=code,
            at=local(NY, 2025, 6, 10, 22),
            account_status=AccountStatus.DELINQUENT,
            days_past_due=3,
            purpose="reminder",
        ),
        collector,
    )
    assert late.action == "defer"
    assert late.reasons[0].params["kind"] == "law"
