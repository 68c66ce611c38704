"""Colombia: the first day each account in arrears may be reported to a credit bureau.

Ley 1266 de 2008 art. 12 (as amended by Ley 2157 de 2021; ``rules.credit_bureau``):
a negative report only twenty days after a prior notice, two notices on
different days for a small debt. Each account keeps the days a notice was
delivered (``AccountState.bn``); ``standing`` reads them through the rule's
own functions, and is the one place the debtor view (``web.debtor``) and this
report get an account's reporting date from. The report scans the tenant's
debtor states like the remediation list; "today" is the debtor's local date by
the service's clock, never the wall's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from typing import Any, Literal
from zoneinfo import ZoneInfo

import orjson
from pydantic import BaseModel

from recaudo.contracts.events import Money
from recaudo.contracts.state import AccountState
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.rules.credit_bureau import (
    earliest_report_date,
    is_colombian,
    is_small_debt,
    notices_needed,
    rule_for,
)
from recaudo.rules.suppression import IN_ARREARS
from recaudo.streams.reports.render import grid, money
from recaudo.streams.reports.source import read_scanned, scan_states

BureauStatus = Literal["notice_needed", "waiting", "may_report"]


class BureauStanding(BaseModel):
    """Where one Colombian account stands before a negative credit-bureau report."""

    small_debt: bool
    notices_delivered: int
    notices_needed: int
    # Null while the notices the law asks for have not all been delivered.
    earliest_report_date: dt.date | None
    status: BureauStatus
    rule_id: str
    citation: str


def standing(account: AccountState, today: dt.date) -> BureauStanding:
    """The account's reporting standing on ``today``, the debtor's local date."""
    small = is_small_debt(Money(amount_minor=account.due, currency=account.cur), today)
    delivered = {dt.date.fromisoformat(d) for d in account.bn}
    date = earliest_report_date(delivered, small)
    status: BureauStatus = (
        "notice_needed" if date is None else "may_report" if date <= today else "waiting"
    )
    rule = rule_for(small)
    return BureauStanding(
        small_debt=small,
        notices_delivered=len(delivered),
        notices_needed=notices_needed(small),
        earliest_report_date=date,
        status=status,
        rule_id=rule.id,
        citation=rule.citation,
    )


class CreditBureauRow(BureauStanding):
    """One account's line: whose, how much, and its standing."""

    debtor_id: str
    account_id: str
    amount_due_minor: int
    currency: str


class CreditBureauReport(BaseModel):
    tenant_id: str
    generated_at: dt.datetime
    accounts: int
    may_report: int
    waiting: int
    notice_needed: int
    rows: list[CreditBureauRow]


def local_day(now: dt.datetime, timezone: str | None) -> dt.date:
    """``now``'s date where the debtor lives (UTC when the zone is unknown)."""
    return now.astimezone(ZoneInfo(timezone)).date() if timezone else now.date()


def rows_of(debtor_id: str, body: dict[str, Any], now: dt.datetime) -> list[CreditBureauRow]:
    """The accounts in arrears of one debtor state (decoded JSON), if Colombian."""
    if not is_colombian(body.get("jur")):
        return []
    today = local_day(now, body.get("tz"))
    rows = []
    for account_id, raw in sorted((body.get("accounts") or {}).items()):
        account = AccountState.model_validate(raw)
        if account.status in IN_ARREARS:
            rows.append(
                CreditBureauRow(
                    debtor_id=debtor_id,
                    account_id=account_id,
                    amount_due_minor=account.due,
                    currency=account.cur,
                    **standing(account, today).model_dump(),
                )
            )
    return rows


async def credit_bureau(
    client: Any, keys: Keys, tenant_id: str, now: dt.datetime
) -> CreditBureauReport:
    """Every Colombian account in arrears of the tenant, earliest reporting date first
    (those still waiting for a notice last)."""
    rows: list[CreditBureauRow] = []
    seen: set[str] = set()
    states: AsyncIterator[tuple[str, dict[str, Any]]] = scan_states(client, keys, tenant_id)
    async for debtor, body in states:
        if debtor not in seen:  # SCAN may return a key twice
            seen.add(debtor)
            rows += rows_of(debtor, body, now)
    rows.sort(
        key=lambda r: (
            r.earliest_report_date is None,
            r.earliest_report_date or dt.date.min,
            r.debtor_id,
            r.account_id,
        )
    )
    return CreditBureauReport(
        tenant_id=tenant_id,
        generated_at=now,
        accounts=len(rows),
        may_report=sum(r.status == "may_report" for r in rows),
        waiting=sum(r.status == "waiting" for r in rows),
        notice_needed=sum(r.status == "notice_needed" for r in rows),
        rows=rows,
    )


async def read_credit_bureau(settings: Settings, tenant_id: str) -> CreditBureauReport:
    """The report on a connection of its own (the CLI's)."""
    return await read_scanned(settings, tenant_id, credit_bureau)


HEADER = ("debtor", "account", "due", "small", "notices", "report from", "status", "rule")
STATUS_WORDS = {
    "may_report": "may report",
    "waiting": "waiting",
    "notice_needed": "NOTICE NEEDED",
}


def _lines(report: CreditBureauReport) -> list[list[str]]:
    return [
        [
            r.debtor_id,
            r.account_id,
            money(r.amount_due_minor, r.currency),
            "yes" if r.small_debt else "no",
            f"{r.notices_delivered} of {r.notices_needed}",
            r.earliest_report_date.isoformat() if r.earliest_report_date else "-",
            STATUS_WORDS[r.status],
            r.rule_id,
        ]
        for r in report.rows
    ]


def as_table(report: CreditBureauReport) -> str:
    title = (
        f"Colombia, earliest credit-bureau report: tenant {report.tenant_id} on "
        f"{report.generated_at.isoformat(timespec='seconds')}, {report.accounts} accounts "
        f"in arrears: {report.may_report} may be reported, {report.waiting} waiting, "
        f"{report.notice_needed} need a notice\n"
    )
    if not report.rows:
        return title + "none found\n"
    cited = {r.rule_id: r.citation for r in report.rows}
    rules = "".join(f"  {rule}: {cited[rule]}\n" for rule in sorted(cited))
    note = (
        '\n"report from": the debtor\'s local date; notices are counted on different '
        "days, from their delivery.\n" + rules
    )
    return title + grid(HEADER, _lines(report)) + "\n" + note


def as_csv(report: CreditBureauReport) -> str:
    buffer = io.StringIO()
    fields = list(CreditBureauRow.model_fields)
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in report.rows:  # booleans spelled as in the JSON
        row = r.model_dump(mode="json")
        writer.writerow({k: str(v).lower() if isinstance(v, bool) else v for k, v in row.items()})
    return buffer.getvalue()


def as_json(report: CreditBureauReport) -> str:
    return orjson.dumps(report.model_dump(mode="json"), option=orjson.OPT_INDENT_2).decode() + "\n"


FORMATS = {"table": as_table, "csv": as_csv, "json": as_json}
