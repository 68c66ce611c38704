"""Contacts made after a legal flag's effective date: the remediation list.

Read from the tenant's debtor states (the same scan as the outcome report):
each account keeps the flags that arrived after their effective date with the
contacts handed to dispatch since (``streams.legal_dates``). A compliance
officer works this list: each contact is a call, text or e-mail to someone in
bankruptcy, deceased, disputing, under a cease request or a legal hold, made
before the lender told us. ``complete: false`` says the debtor's remembered
contacts did not reach back to the date: the decisions topic holds the rest.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from typing import Any

import orjson
from pydantic import BaseModel

from recaudo.contracts.state import AccountState
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.streams.reports.render import grid
from recaudo.streams.reports.source import read_scanned, scan_states


class ContactAfter(BaseModel):
    channel: str
    handed_to_dispatch_at: dt.datetime
    kind: str
    cancel_requested: bool


class LateFlagRow(BaseModel):
    debtor_id: str
    account_id: str
    flag: str
    effective_date: dt.date
    known_at: dt.datetime
    complete: bool
    contacts: list[ContactAfter]


class AfterEffectiveReport(BaseModel):
    tenant_id: str
    generated_at: dt.datetime
    flags: int
    contacts: int
    rows: list[LateFlagRow]


def _instant(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


def rows_of(debtor_id: str, body: dict[str, Any]) -> list[LateFlagRow]:
    """The late flags of one debtor state (decoded JSON)."""
    rows = []
    for account_id, raw in sorted((body.get("accounts") or {}).items()):
        account = AccountState.model_validate(raw)
        rows += [
            LateFlagRow(
                debtor_id=debtor_id,
                account_id=account_id,
                flag=late.f,
                effective_date=dt.date.fromisoformat(late.d),
                known_at=_instant(late.kn),
                complete=late.full,
                contacts=[
                    ContactAfter(
                        channel=c.ch.value,
                        handed_to_dispatch_at=_instant(c.at),
                        kind=c.k,
                        cancel_requested=c.c,
                    )
                    for c in late.cs
                ],
            )
            for late in account.late
        ]
    return rows


async def after_effective(
    client: Any, keys: Keys, tenant_id: str, now: dt.datetime
) -> AfterEffectiveReport:
    """Every late flag of the tenant, oldest effective date first."""
    rows: list[LateFlagRow] = []
    seen: set[str] = set()
    states: AsyncIterator[tuple[str, dict[str, Any]]] = scan_states(client, keys, tenant_id)
    async for debtor, body in states:
        if debtor not in seen:  # SCAN may return a key twice
            seen.add(debtor)
            rows += rows_of(debtor, body)
    rows.sort(key=lambda r: (r.effective_date, r.debtor_id, r.account_id, r.flag))
    return AfterEffectiveReport(
        tenant_id=tenant_id,
        generated_at=now,
        flags=len(rows),
        contacts=sum(len(r.contacts) for r in rows),
        rows=rows,
    )


async def read_after_effective(settings: Settings, tenant_id: str) -> AfterEffectiveReport:
    """The remediation list on a connection of its own (the CLI's)."""
    return await read_scanned(settings, tenant_id, after_effective)


def _lines(report: AfterEffectiveReport) -> list[list[str]]:
    """One line per contact; a flag with none found has one line saying so."""
    lines = []
    for r in report.rows:
        head = [r.debtor_id, r.account_id, r.flag, r.effective_date.isoformat()]
        head += [r.known_at.isoformat(timespec="seconds"), "yes" if r.complete else "NO"]
        if not r.contacts:
            lines.append([*head, "", "", "", ""])
        for c in r.contacts:
            at = c.handed_to_dispatch_at.isoformat(timespec="seconds")
            cancel = "asked" if c.cancel_requested else ""
            lines.append([*head, c.channel, at, c.kind, cancel])
    return lines


HEADER = (
    "debtor",
    "account",
    "flag",
    "effective",
    "known at",
    "complete",
    "channel",
    "contacted at",
    "kind",
    "cancel",
)


def as_table(report: AfterEffectiveReport) -> str:
    title = (
        f"Contacts made after a legal flag's effective date: tenant {report.tenant_id}, "
        f"{report.contacts} contacts under {report.flags} late flags\n"
    )
    if not report.rows:
        return title + "none found\n"
    note = (
        '\n"complete: NO": the debtor\'s remembered contacts (14 days, 32 contacts) did not '
        "reach back to the effective date; search the decisions topic for earlier ones.\n"
    )
    return title + grid(HEADER, _lines(report)) + note


def as_csv(report: AfterEffectiveReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([h.replace(" ", "_") for h in HEADER])
    writer.writerows(_lines(report))
    return buffer.getvalue()


def as_json(report: AfterEffectiveReport) -> str:
    return orjson.dumps(report.model_dump(mode="json"), option=orjson.OPT_INDENT_2).decode() + "\n"


FORMATS = {"table": as_table, "csv": as_csv, "json": as_json}
