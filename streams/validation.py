"""A debt collector's validation notice, kept in whatever order its facts arrive.

15 U.S.C. 1692g(b): a consumer who disputes the debt within the validation
period stops its collection until the collector mails verification (12 CFR
1006.38(d)(2)). Three facts meet here, on different topics and in any order:
the notice (a ``validation_notice`` event), the dispute (an account flag or a
reply) and the verification (the notice's event again, with
``verification_sent_on``). The state keeps each account's notice with the first
dispute found within its period; the rules (``rules.validation_period``) decide
from them, for tenants whose sender is a third-party collector. A dispute we
record is any the debtor made, written or not: stricter than the statute's
written dispute (policy).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from zoneinfo import ZoneInfo

from recaudo.contracts.base import LegalFlag
from recaudo.contracts.events import ValidationNoticeEvent
from recaudo.contracts.outputs import Reason
from recaudo.contracts.state import AccountState, ValidationRecord
from recaudo.rules.validation_period import Method, ValidationNotice
from recaudo.streams.state import DebtorState

#: The rule id of the pause (``rules.validation_period``).
PAUSE = "us.fdcpa.dispute_pause"


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _day(iso: str) -> dt.date | None:
    return dt.date.fromisoformat(iso) if iso else None


def notice_of(record: ValidationRecord) -> ValidationNotice:
    return ValidationNotice(
        provided_on=dt.date.fromisoformat(record.p),
        method=cast(Method, record.m),
        esign_consent=record.e,
        received_on=_day(record.r),
    )


def record(state: DebtorState, ev: ValidationNoticeEvent) -> None:
    """The notice as the latest event states it; a verification once recorded stays."""
    before = state.vals.get(ev.account_id)
    verified = max(before.v if before else "", _iso(ev.verification_sent_on))
    state.vals[ev.account_id] = ValidationRecord(
        p=ev.provided_on.isoformat(),
        m=ev.method.value,
        e=ev.esign_consent,
        r=_iso(ev.received_on),
        v=verified,
        d=before.d if before else "",
    )


def dispute_day(account: AccountState, timezone: str | None) -> str:
    """The day the account's open dispute began: its effective date, else the reply's."""
    if LegalFlag.DISPUTE not in account.flags:
        return ""
    if day := account.fd.get(LegalFlag.DISPUTE):
        return day
    if account.disp:
        zone = ZoneInfo(timezone) if timezone else dt.UTC
        return dt.datetime.fromtimestamp(account.disp, zone).date().isoformat()
    return ""


def note_disputes(state: DebtorState) -> list[tuple[str, Reason]]:
    """Each account whose open dispute falls within its validation period and is new
    (a first dispute, or one after the last verification): recorded, with the reason
    that pauses its collection until verification (none if one was mailed since)."""
    started: list[tuple[str, Reason]] = []
    for account_id, rec in state.vals.items():
        account = state.accounts.get(account_id)
        day = dispute_day(account, state.tz) if account else ""
        notice = notice_of(rec)
        if not day or not notice.within(dt.date.fromisoformat(day)):
            continue
        if rec.d >= day or (rec.d and rec.v < rec.d):
            continue  # known already, or paused on the dispute recorded
        rec.d = day
        if rec.v >= day:
            continue  # a verification recorded since answers it
        reason = Reason(
            rule_id=PAUSE,
            params={
                "disputed_on": day,
                "period_end": notice.period_end.isoformat(),
                "until": "verification_sent_on",
            },
        )
        started.append((account_id, reason))
    return started


def facts(state: DebtorState, account_id: str) -> dict[str, Any]:
    """What the rules read about the account's validation notice (nothing if none)."""
    rec = state.vals.get(account_id)
    if rec is None:
        return {}
    return {
        "validation_notice": notice_of(rec),
        "disputed_on": _day(rec.d),
        "verification_sent_on": _day(rec.v),
    }
