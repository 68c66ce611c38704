"""``GET /v1/debtors/{debtor_id}``: what a manager or auditor needs about one debtor.

Read from the state the decision stage keeps (balances, promises, contacts
emitted and their delivery progress, contact history); the decisions
themselves (the recent ones) are on ``/timeline``. Times are UTC epoch-free ISO
strings and the debtor's IANA zone is given, so the page can show both. A
debtor the tenant never sent an event about (no account, contact or task) is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import BaseModel

from recaudo.channels.directory import ContactDirectory, ContactRef
from recaudo.channels.ref_token import make_token
from recaudo.channels.status_machine import RANK, StatusMachine
from recaudo.contracts.events import AccountStatus, Channel
from recaudo.contracts.state import AccountState
from recaudo.foundation.keys import Keys
from recaudo.rules.credit_bureau import is_colombian
from recaudo.rules.limitations import AccountDates, time_barred
from recaudo.streams.reports.credit_bureau import standing
from recaudo.streams.tasks import Task
from recaudo.web.auth import tenant_of
from recaudo.web.keys import REDIS, SETTINGS, STORE, TASKS
from recaudo.web.problems import problem
from recaudo.web.query import no_unknown
from recaudo.web.stores import stores_answer

# The status machine stores a rank; several statuses share one (an outcome).
RANK_NAME = {0: "queued", 1: "sent", 2: "delivered_or_failed", 3: "opened", 4: "clicked"}
RANK_NAME |= {5: "complained", 6: "unsubscribed"}
assert max(RANK.values()) == 6  # a new rank must be named here


class AccountView(BaseModel):
    account_id: str
    status: AccountStatus
    days_past_due: int
    balance_minor: int
    amount_due_minor: int
    currency: str
    flags: list[str]
    # The law over the debt's life (issue 26): time-barred today (rules.limitations),
    # and in Colombia the first day a negative credit-bureau report may be made
    # (null until the notices the law asks for are delivered; rules.credit_bureau).
    time_barred: bool = False
    earliest_report_date: dt.date | None = None


class ContactView(BaseModel):
    contact_id: str
    account_id: str
    channel: Channel
    sent_at: dt.datetime | None
    expires_at: dt.datetime
    delivery: str | None = None
    # As handed to the provider (from the contact directory, while it keeps it).
    provider: str | None = None
    address: str | None = None
    language: str | None = None


class PendingView(BaseModel):
    contact_id: str
    account_id: str
    channel: Channel
    step: str
    due_at: dt.datetime


class HistoryView(BaseModel):
    channel: Channel
    at: dt.datetime
    kind: str
    account_id: str | None


class DebtorView(BaseModel):
    tenant_id: str
    debtor_id: str
    known: bool
    timezone: str | None
    jurisdiction: str | None
    language: str
    accounts: list[AccountView]
    promise_until: dt.date | None
    opted_out_all: bool
    contacts: list[ContactView]
    pending: list[PendingView]
    history: list[HistoryView]
    # Cases for people about this debtor (issue 11), oldest due first; an open one
    # pauses the debtor's automation.
    tasks: list[Task] = []


def _as_sent(ref: ContactRef | None) -> dict[str, str | None]:
    if ref is None:
        return {}
    return {"provider": ref.provider, "address": ref.address, "language": ref.language}


def _debt_law(jurisdiction: str | None, a: AccountState, today: dt.date) -> dict[str, Any]:
    """The account's time-barred status and, in Colombia, its earliest reporting day."""
    jur = jurisdiction or "US"
    dates = AccountDates.from_iso(a.dlq, a.lpd, a.cod)
    out: dict[str, Any] = {"time_barred": time_barred(jur, dates, today, a.tb).barred}
    if is_colombian(jur):
        out["earliest_report_date"] = standing(a, today).earliest_report_date
    return out


def _utc(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.UTC)


async def get_debtor(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    tenant = tenant_of(request, settings)
    debtor_id = request.match_info["debtor_id"]
    no_unknown(request, ())
    store = request.app[STORE]
    with stores_answer("debtor store"):
        loaded = await store.load([((tenant, debtor_id), [])])
        tasks = await request.app[TASKS].list(tenant, None, debtor_id)
    state = loaded[(tenant, debtor_id)].state
    known = bool(state.accounts or state.points or state.history)
    if not (known or state.emitted or state.pending or tasks):
        raise problem(
            web.HTTPNotFound,
            "debtor_not_found",
            f"no debtor {debtor_id!r} for this tenant",
            "debtor_id",
        )
    machine = StatusMachine(request.app[REDIS], Keys(settings.redis_prefix), 0)
    directory = ContactDirectory(request.app[REDIS], Keys(settings.redis_prefix), 0)
    with stores_answer("debtor store"):
        ranks = await machine.ranks(tenant, debtor_id) if state.emitted else {}
        sent: dict[str, ContactRef | None] = {
            e.contact_id: await directory.by_token(make_token(tenant, e.contact_id, debtor_id))
            for e in state.emitted
        }
    delivery = {cid: RANK_NAME.get(rank) for cid, rank in ranks.items()}
    now = settings.clock().now()
    today = now.astimezone(ZoneInfo(state.tz)).date() if state.tz else now.date()
    view = DebtorView(
        tenant_id=tenant,
        debtor_id=debtor_id,
        known=known,
        timezone=state.tz,
        jurisdiction=state.jur,
        language=state.lang,
        accounts=[
            AccountView(
                account_id=acct,
                status=a.status,
                days_past_due=a.days_past_due,
                balance_minor=a.bal,
                amount_due_minor=a.due,
                currency=a.cur,
                flags=a.flags,
                **_debt_law(state.jur, a, today),
            )
            for acct, a in sorted(state.accounts.items())
        ],
        promise_until=state.promise_until,
        opted_out_all=state.opt_all,
        contacts=[
            ContactView(
                contact_id=e.contact_id,
                account_id=e.account_id,
                channel=e.ch,
                sent_at=_utc(e.at) if e.at else None,
                expires_at=_utc(e.exp),
                delivery=delivery.get(e.contact_id),
                **_as_sent(sent.get(e.contact_id)),
            )
            for e in state.emitted
        ],
        pending=[
            PendingView(
                contact_id=p.contact_id,
                account_id=p.account_id,
                channel=p.ch,
                step=p.step,
                due_at=_utc(p.due),
            )
            for p in state.pending
        ],
        history=[
            HistoryView(channel=h.ch, at=_utc(h.at), kind=h.kind, account_id=h.account_id)
            for h in reversed(state.history)
        ],
        tasks=tasks,
    )
    return web.json_response(text=view.model_dump_json())
