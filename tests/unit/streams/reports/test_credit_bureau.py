"""Colombia's earliest credit-bureau reporting date, per account in arrears (issue 26,
part 5): the report's rows, counts and formats, without Redis."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest

from recaudo.contracts.events import AccountStatus
from recaudo.contracts.state import AccountState
from recaudo.contracts.state_codec import load_state
from recaudo.foundation.keys import Keys
from recaudo.rules.credit_bureau import PRIOR_NOTICE, SMALL_DEBT, is_colombian
from recaudo.streams.reports import credit_bureau as report_module
from recaudo.streams.reports.credit_bureau import (
    CreditBureauReport,
    CreditBureauRow,
    as_csv,
    as_json,
    as_table,
    credit_bureau,
    rows_of,
    standing,
)
from recaudo.streams.state import DebtorState

# Noon in Bogotá (UTC-5) on 1 July 2025.
NOW = dt.datetime(2025, 7, 1, 17, 0, tzinfo=dt.UTC)
TODAY = dt.date(2025, 7, 1)
SMALL = 10_000_000  # 100,000 pesos: under 15% of the 2025 SMMLV (213,525 pesos)
LARGE = 50_000_000  # 500,000 pesos


def acct(
    due: int = LARGE,
    notices: tuple[str, ...] = (),
    status: AccountStatus = AccountStatus.DELINQUENT,
) -> AccountState:
    return AccountState(
        status=status, days_past_due=40, due=due, bal=due, cur="COP", bn=list(notices)
    )


def body(*accounts: AccountState, jur: str | None = "CO") -> dict[str, Any]:
    """The debtor state as a report reads it: stored, then decoded."""
    state = DebtorState(
        tz="America/Bogota", jur=jur, accounts={f"a{i}": a for i, a in enumerate(accounts, 1)}
    )
    decoded = load_state(state.encode())
    assert isinstance(decoded, dict)
    return decoded


def one_row(account: AccountState, now: dt.datetime = NOW) -> CreditBureauRow:
    [row] = rows_of("d1", body(account), now)
    return row


def test_no_notice_delivered_means_a_notice_is_needed() -> None:
    row = one_row(acct())
    assert (row.small_debt, row.notices_delivered, row.notices_needed) == (False, 0, 1)
    assert row.earliest_report_date is None
    assert row.status == "notice_needed"
    assert (row.rule_id, row.citation) == (PRIOR_NOTICE.id, PRIOR_NOTICE.citation)
    assert (row.debtor_id, row.account_id, row.amount_due_minor, row.currency) == (
        "d1",
        "a1",
        LARGE,
        "COP",
    )


def test_one_notice_may_be_reported_on_the_twenty_first_day_exactly() -> None:
    """Delivered 10 June: the 20 days pass in full on 30 June, 1 July is the first day."""
    row = one_row(acct(notices=("2025-06-10",)))
    assert row.notices_delivered == 1
    assert row.earliest_report_date == TODAY
    assert row.status == "may_report"
    later = one_row(acct(notices=("2025-06-11",)))
    assert (later.earliest_report_date, later.status) == (dt.date(2025, 7, 2), "waiting")


def test_the_day_is_the_debtors_local_date_by_the_given_clock() -> None:
    """03:00 UTC on 1 July is still 30 June in Bogotá: not yet."""
    early = dt.datetime(2025, 7, 1, 3, 0, tzinfo=dt.UTC)
    row = one_row(acct(notices=("2025-06-10",)), now=early)
    assert (row.earliest_report_date, row.status) == (TODAY, "waiting")


def test_a_small_debt_needs_two_notices_on_different_days() -> None:
    none = one_row(acct(SMALL))
    assert (none.small_debt, none.notices_delivered, none.notices_needed) == (True, 0, 2)
    assert (none.status, none.rule_id, none.citation) == (
        "notice_needed",
        SMALL_DEBT.id,
        SMALL_DEBT.citation,
    )
    one = one_row(acct(SMALL, ("2025-06-01",)))
    assert (one.notices_delivered, one.earliest_report_date, one.status) == (
        1,
        None,
        "notice_needed",
    )
    # Counted from the last of the two: 10 June + 21 days.
    two = one_row(acct(SMALL, ("2025-06-01", "2025-06-10")))
    assert (two.notices_delivered, two.earliest_report_date, two.status) == (
        2,
        TODAY,
        "may_report",
    )
    waiting = one_row(acct(SMALL, ("2025-06-01", "2025-06-20")))
    assert (waiting.earliest_report_date, waiting.status) == (dt.date(2025, 7, 11), "waiting")


def test_two_notices_on_the_same_day_count_once() -> None:
    row = one_row(acct(SMALL, ("2025-06-10", "2025-06-10")))
    assert (row.notices_delivered, row.status) == (1, "notice_needed")


def test_only_colombian_debtors_accounts_in_arrears_are_listed() -> None:
    notices = ("2025-06-10",)
    assert rows_of("d1", body(acct(notices=notices), jur="US-NY"), NOW) == []
    assert rows_of("d1", body(acct(notices=notices), jur=None), NOW) == []
    assert len(rows_of("d1", body(acct(notices=notices), jur="CO-DC"), NOW)) == 1
    mixed = body(
        acct(status=AccountStatus.CURRENT),
        acct(status=AccountStatus.CHARGED_OFF),
        acct(status=AccountStatus.SETTLED),
        acct(status=AccountStatus.DELINQUENT),
        acct(status=AccountStatus.CLOSED),
    )
    assert [r.account_id for r in rows_of("d1", mixed, NOW)] == ["a2", "a4"]
    assert (is_colombian("CO"), is_colombian("COL"), is_colombian(None)) == (True, False, False)


def test_the_standing_is_the_one_the_debtor_view_shows() -> None:
    """``web.debtor`` reads the same function: one computation of the date."""
    shown = standing(acct(SMALL, ("2025-06-01", "2025-06-10")), TODAY)
    assert (shown.earliest_report_date, shown.status, shown.notices_needed) == (
        TODAY,
        "may_report",
        2,
    )


async def test_the_report_counts_and_orders_the_tenants_accounts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    states = [
        ("d3", body(acct())),  # no notice
        ("d2", body(acct(notices=("2025-06-20",)))),  # waiting until 11 July
        ("d1", body(acct(notices=("2025-06-05",)), acct(SMALL, ("2025-06-10",)))),
        ("d1", body(acct())),  # SCAN may return a key twice: the first is kept
        ("us", body(acct(notices=("2025-06-01",)), jur="US")),
    ]

    def scan(_client: Any, _keys: Keys, tenant_id: str) -> AsyncIterator[tuple[str, Any]]:
        assert tenant_id == "acme"

        async def states_of() -> AsyncIterator[tuple[str, Any]]:
            for item in states:
                yield item

        return states_of()

    monkeypatch.setattr(report_module, "scan_states", scan)
    report = await credit_bureau(None, Keys("rc"), "acme", NOW)
    assert (report.tenant_id, report.generated_at) == ("acme", NOW)
    counts = (report.accounts, report.may_report, report.waiting, report.notice_needed)
    assert counts == (4, 1, 1, 2)
    assert [(r.debtor_id, r.account_id, r.status) for r in report.rows] == [
        ("d1", "a1", "may_report"),
        ("d2", "a1", "waiting"),
        ("d1", "a2", "notice_needed"),
        ("d3", "a1", "notice_needed"),
    ]


def sample() -> CreditBureauReport:
    rows = rows_of("d1", body(acct(notices=("2025-06-10",)), acct(SMALL)), NOW)
    return CreditBureauReport(
        tenant_id="acme",
        generated_at=NOW,
        accounts=2,
        may_report=1,
        waiting=0,
        notice_needed=1,
        rows=rows,
    )


def test_the_formats_show_each_account() -> None:
    table = as_table(sample())
    assert "2 accounts in arrears: 1 may be reported, 0 waiting, 1 need a notice" in table
    assert "COP 500,000.00" in table
    assert "2025-07-01" in table
    assert "NOTICE NEEDED" in table
    assert "0 of 2" in table
    assert SMALL_DEBT.citation in table
    assert PRIOR_NOTICE.citation in table
    lines = list(csv.DictReader(io.StringIO(as_csv(sample()))))
    assert [(x["account_id"], x["status"], x["earliest_report_date"]) for x in lines] == [
        ("a1", "may_report", "2025-07-01"),
        ("a2", "notice_needed", ""),
    ]
    assert CreditBureauReport.model_validate_json(as_json(sample())) == sample()
    empty = sample().model_copy(update={"rows": [], "accounts": 0})
    assert as_table(empty).endswith("none found\n")
