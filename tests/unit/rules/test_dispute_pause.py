"""The validation period at contact time (issue 26, part 3), from 15 U.S.C. 1692g(b):

"If the consumer notifies the debt collector in writing within the thirty-day
period ... that the debt, or any portion thereof, is disputed ... the debt
collector shall cease collection of the debt ... until the debt collector
obtains verification of the debt or a copy of a judgment ... and a copy of such
verification or judgment ... is mailed to the consumer by the debt collector."
And: "any collection activities and communication during the 30-day period may
not overshadow or be inconsistent with the disclosure of the consumer's right
to dispute the debt". Debt collectors only (1692a(6)); US only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import Reason
from recaudo.rules.base import Flags, Verdict
from recaudo.rules.engine import evaluate
from recaudo.rules.policy import TenantPolicy, parse_policy
from recaudo.rules.profiles import PROFILES
from recaudo.rules.validation_period import (
    DISPUTE_PAUSE,
    OVERSHADOWING,
    ValidationNotice,
    overshadowing_params,
)
from tests.unit.rules.conftest import BOGOTA, NY, ProposalFactory, local

POLICY = """version = "t1"

[sender]
third_party_collector = {collector}

[messages.demand]
version = "1"

[messages.demand.text.en]
sms = "You must pay within 10 days. {{{{ required_notices }}}}"

[messages.polite]
version = "1"

[messages.polite.text.en]
sms = "Please call us about your account. {{{{ required_notices }}}}"
"""
COLLECTOR = parse_policy(POLICY.format(collector="true"))
CREDITOR = parse_policy(POLICY.format(collector="false"))
D = dt.date
#: Mailed Monday 2 June 2025; receipt assumed Monday 9 June; the period ends 9 July.
MAILED = ValidationNotice(D(2025, 6, 2), "mail")
END = D(2025, 7, 9)
DISPUTED = D(2025, 6, 12)
#: A day in the period, after the dispute.
MIDWAY = D(2025, 6, 20)


def on(day: dt.date, hour: int = 12) -> dt.datetime:
    return local(NY, day.year, day.month, day.day, hour)


def judge(
    proposal: ProposalFactory,
    policy: TenantPolicy = COLLECTOR,
    *,
    at: dt.date = MIDWAY,
    **fields: Any,
) -> Verdict:
    values: dict[str, Any] = {
        "channel": Channel.EMAIL,
        "at": on(at),
        "validation_notice": MAILED,
        **fields,
    }
    return evaluate(proposal(**values), policy)


def reason(verdict: Verdict, rule_id: str) -> Reason:
    return next(r for r in verdict.reasons if r.rule_id == rule_id)


def test_the_period_this_file_uses() -> None:
    assert MAILED.period_end == END


def test_a_dispute_within_the_period_stops_collection_until_verification(
    proposal: ProposalFactory,
) -> None:
    verdict = judge(proposal, disputed_on=DISPUTED)
    assert verdict.action == "suppress"
    assert verdict.decided_by == (DISPUTE_PAUSE.id,)
    pause = verdict.reasons[0]
    assert pause.params["kind"] == "law"
    assert pause.params["disputed_on"] == "2025-06-12"
    assert pause.params["period_end"] == "2025-07-09"
    assert pause.params["verification_pending"] is True
    assert pause.citation is not None
    assert pause.citation.startswith("15 U.S.C. 1692g(b); 12 CFR 1006.38(d)(2)")


def test_the_pause_holds_when_the_dispute_flag_was_cleared_or_is_set(
    proposal: ProposalFactory,
) -> None:
    cleared = judge(proposal, disputed_on=DISPUTED, flags=Flags())
    assert cleared.decided_by == (DISPUTE_PAUSE.id,)
    both = judge(proposal, disputed_on=DISPUTED, flags=Flags(dispute=True))
    assert set(both.decided_by) == {"suppress.dispute", DISPUTE_PAUSE.id}


@pytest.mark.parametrize(
    "sent",
    [D(2025, 6, 18), DISPUTED],
    ids=["after-the-dispute", "on-the-dispute-day"],
)
def test_once_verification_is_mailed_collection_resumes(
    proposal: ProposalFactory, sent: dt.date
) -> None:
    verdict = judge(proposal, disputed_on=DISPUTED, verification_sent_on=sent)
    assert verdict.action == "allow"
    assert DISPUTE_PAUSE.id in verdict.passed
    pause = reason(verdict, DISPUTE_PAUSE.id)
    assert pause.params["outcome"] == "passed"
    assert pause.params["verification_pending"] is False
    assert pause.params["verification_sent_on"] == sent.isoformat()


def test_verification_mailed_before_the_dispute_answers_nothing(
    proposal: ProposalFactory,
) -> None:
    verdict = judge(proposal, disputed_on=DISPUTED, verification_sent_on=D(2025, 6, 11))
    assert verdict.decided_by == (DISPUTE_PAUSE.id,)


def test_the_pause_runs_from_the_dispute_to_the_mailing(proposal: ProposalFactory) -> None:
    """A contact before the dispute was not paused; one before the mailing was."""
    fields: dict[str, Any] = {"disputed_on": DISPUTED, "verification_sent_on": D(2025, 6, 18)}
    assert judge(proposal, at=D(2025, 6, 11), **fields).allowed
    assert judge(proposal, at=DISPUTED, **fields).decided_by == (DISPUTE_PAUSE.id,)
    assert judge(proposal, at=D(2025, 6, 17), **fields).decided_by == (DISPUTE_PAUSE.id,)
    assert judge(proposal, at=D(2025, 6, 18), **fields).allowed


@pytest.mark.parametrize(
    ("disputed", "paused"),
    [
        (D(2025, 6, 2), True),  # the day the notice was provided
        (END, True),  # the period's last day
        (END + dt.timedelta(days=1), False),  # the day after: outside 1692g(b)
        (D(2025, 6, 1), False),  # before any notice
    ],
)
def test_only_a_dispute_within_the_period_pauses(
    proposal: ProposalFactory, disputed: dt.date, paused: bool
) -> None:
    verdict = judge(proposal, at=D(2025, 7, 14), disputed_on=disputed)
    assert (verdict.decided_by == (DISPUTE_PAUSE.id,)) is paused
    if not paused:
        assert verdict.allowed
        assert reason(verdict, DISPUTE_PAUSE.id).params["disputed_within"] is False


def test_a_dispute_after_the_period_still_stops_contact_while_flagged_as_policy(
    proposal: ProposalFactory,
) -> None:
    late = END + dt.timedelta(days=3)
    verdict = judge(proposal, at=D(2025, 7, 14), disputed_on=late, flags=Flags(dispute=True))
    assert verdict.decided_by == ("suppress.dispute",)
    flag = verdict.reasons[0]
    assert flag.params["kind"] == "policy_default"
    assert "1692g(b)" in (flag.citation or "")
    assert DISPUTE_PAUSE.id in (flag.citation or "")


def test_the_us_dispute_flag_rule_is_policy_not_1692g_b() -> None:
    rule = PROFILES["US"].suppressions["dispute"]
    assert rule.id == "suppress.dispute"
    assert rule.kind == "policy_default"


def test_proven_receipt_moves_the_end(proposal: ProposalFactory) -> None:
    proven = ValidationNotice(D(2025, 6, 2), "mail", received_on=D(2025, 6, 3))
    assert proven.period_end == D(2025, 7, 3)
    after = D(2025, 7, 7)
    inside = judge(proposal, at=after, validation_notice=proven, disputed_on=D(2025, 7, 3))
    assert inside.decided_by == (DISPUTE_PAUSE.id,)
    outside = judge(proposal, at=after, validation_notice=proven, disputed_on=D(2025, 7, 4))
    assert outside.allowed


def test_an_electronic_notice_without_e_sign_consent_opens_no_period(
    proposal: ProposalFactory,
) -> None:
    email = ValidationNotice(D(2025, 6, 2), "email")
    verdict = judge(proposal, validation_notice=email, disputed_on=DISPUTED)
    assert verdict.allowed
    assert reason(verdict, DISPUTE_PAUSE.id).params["notice_counts"] is False
    consented = ValidationNotice(D(2025, 6, 2), "email", esign_consent=True)
    paused = judge(proposal, validation_notice=consented, disputed_on=DISPUTED)
    assert paused.decided_by == (DISPUTE_PAUSE.id,)


def test_a_creditor_collecting_its_own_debt_is_not_held_to_it(
    proposal: ProposalFactory,
) -> None:
    verdict = judge(proposal, CREDITOR, disputed_on=DISPUTED, template="demand")
    assert verdict.allowed
    assert not {DISPUTE_PAUSE.id, OVERSHADOWING.id} & set(verdict.passed)


def test_outside_the_us_the_inputs_are_ignored(proposal: ProposalFactory) -> None:
    verdict = evaluate(
        proposal(
            jurisdiction="CO",
            timezone="America/Bogota",
            channel=Channel.EMAIL,
            at=local(BOGOTA, 2025, 6, 20, 10),
            validation_notice=MAILED,
            disputed_on=DISPUTED,
            template="demand",
        ),
        COLLECTOR,
    )
    assert verdict.allowed, verdict.reasons
    assert not {DISPUTE_PAUSE.id, OVERSHADOWING.id} & set(verdict.passed)


def test_no_notice_no_rule(proposal: ProposalFactory) -> None:
    verdict = judge(proposal, validation_notice=None, disputed_on=DISPUTED)
    assert verdict.allowed
    assert DISPUTE_PAUSE.id not in verdict.passed


# -- overshadowing at contact time -------------------------------------------


def text(proposal: ProposalFactory, at: dt.date, template: str = "demand", **more: Any) -> Verdict:
    return judge(proposal, at=at, channel=Channel.SMS, template=template, **more)


def test_a_demand_sooner_than_the_period_is_refused_during_it(
    proposal: ProposalFactory,
) -> None:
    verdict = text(proposal, MIDWAY)
    assert verdict.decided_by == (OVERSHADOWING.id,)
    found = verdict.reasons[0]
    assert found.params["template"] == "demand/en/sms"
    assert found.params["words"] == "within 10 days"
    assert found.params["period_end"] == "2025-07-09"
    assert found.params["kind"] == "law"
    assert found.citation == "15 U.S.C. 1692g(b); 12 CFR 1006.38(b)"


@pytest.mark.parametrize(
    ("day", "refused"),
    [
        (D(2025, 6, 1), False),  # before the notice
        (D(2025, 6, 2), True),  # the day it was provided
        (END, True),  # the last day
        (END + dt.timedelta(days=1), False),  # the day after
    ],
)
def test_only_during_the_period(proposal: ProposalFactory, day: dt.date, refused: bool) -> None:
    verdict = text(proposal, day)
    assert (verdict.decided_by == (OVERSHADOWING.id,)) is refused
    if not refused:
        assert verdict.allowed
        assert reason(verdict, OVERSHADOWING.id).params["within"] is False


def test_a_plain_template_passes(proposal: ProposalFactory) -> None:
    verdict = text(proposal, MIDWAY, template="polite")
    assert verdict.allowed
    assert reason(verdict, OVERSHADOWING.id).params["outcome"] == "passed"


def test_unknown_zone_is_within_while_any_zone_is(proposal: ProposalFactory) -> None:
    """05:00 UTC on 10 July is 01:00 in New York but still 9 July in Los Angeles."""
    fields = {
        "channel": Channel.SMS,
        "at": dt.datetime(2025, 7, 10, 5, tzinfo=dt.UTC),
        "template": "demand",
        "validation_notice": MAILED,
    }
    unknown = evaluate(proposal(timezone=None, **fields), COLLECTOR)
    assert unknown.decided_by == (OVERSHADOWING.id,)
    new_york = evaluate(proposal(timezone="America/New_York", **fields), COLLECTOR)
    assert OVERSHADOWING.id not in new_york.decided_by


def test_the_helper_a_composer_calls(proposal: ProposalFactory) -> None:
    during = proposal(at=on(D(2025, 6, 20)), validation_notice=MAILED, template="demand")
    assert overshadowing_params(during, COLLECTOR) == {
        "template": "demand/en/sms",
        "words": "within 10 days",
        "period_end": "2025-07-09",
    }
    assert overshadowing_params(during, CREDITOR) is None
    after = proposal(at=on(D(2025, 7, 10)), validation_notice=MAILED, template="demand")
    assert overshadowing_params(after, COLLECTOR) is None
    polite = proposal(at=on(D(2025, 6, 20)), validation_notice=MAILED, template="polite")
    assert overshadowing_params(polite, COLLECTOR) is None
    unknown = proposal(at=on(D(2025, 6, 20)), validation_notice=MAILED, template="missing")
    assert overshadowing_params(unknown, COLLECTOR) is None
