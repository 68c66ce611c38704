"""Colombia's prior notice before a negative credit-bureau report (issue 26, part 5):
Ley 1266 de 2008 art. 12 as amended by Ley 2157 de 2021, as read in rules/credit_bureau.py."""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib.resources import files

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from recaudo.contracts.events import Channel, Money
from recaudo.rules.cli import check_contact
from recaudo.rules.credit_bureau import (
    PRIOR_NOTICE,
    SMALL_DEBT,
    earliest_report_date,
    is_small_debt,
)
from recaudo.rules.engine import evaluate
from tests.unit.rules.conftest import BOGOTA, ProposalFactory

JUNE = dt.date(2025, 6, 2)


def test_report_only_after_twenty_calendar_days_have_passed() -> None:
    """ "transcurridos veinte (20) días calendario": the 20 days pass in full, counted
    (as policy) from the notice's delivery: the 21st day is the first to report."""
    assert earliest_report_date([JUNE], small=False) == dt.date(2025, 6, 23)
    assert earliest_report_date([], small=False) is None


def test_small_debt_needs_two_notices_on_different_days() -> None:
    """ "al menos dos comunicaciones, ambas en días diferentes", 20 days after the last."""
    assert earliest_report_date([JUNE, JUNE], small=True) is None
    later = JUNE + dt.timedelta(days=3)
    assert earliest_report_date([later, JUNE], small=True) == later + dt.timedelta(days=21)


def test_small_means_at_most_fifteen_percent_of_the_minimum_wage() -> None:
    limit = 1_423_500 * 15  # 15% of the 2025 SMMLV, in centavos (x100 / 100)
    on = dt.date(2025, 1, 10)
    assert is_small_debt(Money(amount_minor=limit, currency="COP"), on)
    assert not is_small_debt(Money(amount_minor=limit + 1, currency="COP"), on)
    # Unknown year, currency or amount: the stricter two-notice rule.
    assert is_small_debt(Money(amount_minor=10**12, currency="COP"), dt.date(2031, 1, 1))
    assert is_small_debt(None, on)
    assert SMALL_DEBT.kind == PRIOR_NOTICE.kind == "policy_default"


@given(
    days=st.lists(st.dates(dt.date(2022, 1, 1), dt.date(2030, 1, 1)), max_size=6),
    small=st.booleans(),
)
def test_never_before_twenty_days_after_the_required_notices(
    days: list[dt.date], small: bool
) -> None:
    earliest = earliest_report_date(days, small)
    distinct = sorted(set(days))
    needed = 2 if small else 1
    if len(distinct) < needed:
        assert earliest is None
    else:
        assert earliest is not None
        assert earliest - distinct[needed - 1] > dt.timedelta(days=20)


def test_a_notice_goes_in_writing_never_by_call(proposal: ProposalFactory) -> None:
    at = dt.datetime(2025, 6, 10, 10, tzinfo=BOGOTA)
    base = {"jurisdiction": "CO", "timezone": "America/Bogota", "at": at, "purpose": "notice"}
    call = evaluate(proposal(**base, channel=Channel.VOICE))
    assert call.action == "suppress"
    assert call.decided_by == ("co.policy.aviso_escrito",)
    assert evaluate(proposal(**base, channel=Channel.SMS)).action == "allow"


def test_check_contact_md_credit_bureau_example_runs_as_documented() -> None:
    doc = files("recaudo.rules").joinpath("CHECK_CONTACT.md").read_text(encoding="utf-8")
    example = doc.split("## Worked example: Colombia's prior notice", 1)[1]
    given_, expected = re.findall(r"```json\n(.*?)```", example, flags=re.S)[:2]
    result = CliRunner().invoke(check_contact, input=given_)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out == json.loads(expected)
    assert out["account"]["credit_bureau"]["earliest_report_date"] == "2025-06-26"
