"""``GET /v1/debtors/{debtor_id}/conversation``: the debtor as a conversation.

What an agent reads before a call: every message as sent (text, channel,
address, language) with its delivery progress and the provider that reported
it, the debtor's replies, the assistant's answers, promises, payments and the
people's tasks and notes, oldest first. Read from the per-debtor journal
(``streams.journal``: where each record is on the contacts and input topics)
and the task store, so nothing turns into "(past)" when the contact keys
expire; contacts sent before the journal existed, and
payments entered before it, come from the debtor's state and, while they last,
the contact directory and status machine.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from recaudo.channels.directory import ContactDirectory
from recaudo.channels.ref_token import make_token
from recaudo.channels.status_machine import StatusMachine
from recaudo.foundation.keys import Keys
from recaudo.streams.journal import JournalLine, journal_lines, pointers
from recaudo.streams.state import DebtorState
from recaudo.streams.tasks import Task
from recaudo.streams.timeline import Position
from recaudo.web.auth import tenant_of
from recaudo.web.debtor import RANK_NAME
from recaudo.web.keys import JOURNAL, JOURNAL_TOPICS, REDIS, SETTINGS, STORE, TASKS
from recaudo.web.problems import problem
from recaudo.web.query import no_unknown
from recaudo.web.stores import stores_answer

EntryKind = Literal[
    "message", "reply", "promise", "plan", "payment", "reversal", "task", "note", "task_closed"
]


class Progress(BaseModel):
    status: str
    at: dt.datetime | None
    provider: str | None = None
    error: str | None = None


class Entry(BaseModel):
    """One turn of the conversation; ``by`` says who: cadence, assistant, debtor, a person."""

    kind: EntryKind
    at: dt.datetime
    by: str | None = None
    channel: str | None = None
    text: str | None = None
    subject: str | None = None
    address: str | None = None
    language: str | None = None
    provider: str | None = None
    delivery: str | None = Field(default=None, description="The furthest status reported")
    progress: list[Progress] = []
    contact_id: str | None = None
    account_id: str | None = None
    intent: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    due_on: dt.date | None = None
    task_id: str | None = None


class Conversation(BaseModel):
    tenant_id: str
    debtor_id: str
    entries: list[Entry] = Field(description="Oldest first")


def _from_journal(lines: list[JournalLine]) -> list[Entry]:
    progress: dict[str, list[Progress]] = {}
    for line in lines:
        if line.kind == "delivery" and line.contact_id and line.status:
            step = Progress(
                status=line.status, at=line.at, provider=line.provider, error=line.error
            )
            progress.setdefault(line.contact_id, []).append(step)
    entries = []
    for line in lines:
        if line.kind == "delivery":
            continue
        steps = progress.get(line.contact_id or "", []) if line.kind == "message" else []
        entries.append(
            Entry(
                kind=line.kind,
                at=line.at,
                by=line.by,
                channel=line.channel,
                text=line.text,
                subject=line.subject,
                address=line.address,
                language=line.language,
                provider=next((s.provider for s in reversed(steps) if s.provider), None),
                delivery=steps[-1].status if steps else None,
                progress=steps,
                contact_id=line.contact_id,
                account_id=line.account_id,
                intent=line.intent,
                amount_minor=line.amount_minor,
                currency=line.currency,
                due_on=line.due_on,
            )
        )
    return entries


def _from_tasks(tasks: list[Task]) -> list[Entry]:
    entries = []
    for t in tasks:
        why = f"{t.kind.value}: {t.reason}" + (f" — “{t.text}”" if t.text else "")
        entries.append(
            Entry(kind="task", at=t.opened_at, by="service", text=why, task_id=t.task_id)
        )
        entries += [
            Entry(kind="note", at=n.at, by=n.by, text=n.text, task_id=t.task_id) for n in t.notes
        ]
        if t.closed_at is not None:
            entries.append(
                Entry(
                    kind="task_closed",
                    at=t.closed_at,
                    by=t.closed_by,
                    text=t.resolution,
                    task_id=t.task_id,
                )
            )
    return entries


def _from_state(state: DebtorState, journal: list[Entry]) -> list[Entry]:
    """Payments the journal does not have (entered before it), and the running plan."""
    paid = {(round(e.at.timestamp()), e.amount_minor) for e in journal if e.kind == "payment"}
    entries = []
    for acct, account in state.accounts.items():
        for led in account.led:
            if led.a < 0 and (round(led.t), -led.a) not in paid:
                entries.append(
                    Entry(
                        kind="payment",
                        at=dt.datetime.fromtimestamp(led.t, dt.UTC),
                        amount_minor=-led.a,
                        currency=account.cur,
                        account_id=acct,
                    )
                )
    cv = state.conversation
    if cv is not None and len(cv.pl) == 3 and state.promise_until is not None:
        left, each, every = cv.pl
        text = f"plan: {left} more instalments of {each} every {every} days after the running one"
        at = dt.datetime.combine(state.promise_until, dt.time(), dt.UTC)
        entries.append(
            Entry(kind="plan", at=at, text=text, amount_minor=cv.pa, due_on=state.promise_until)
        )
    return entries


async def _live(
    request: web.Request, tenant: str, debtor_id: str, state: DebtorState, known: set[str]
) -> list[Entry]:
    """Contacts still in the state that the journal never saw (sent before it existed)."""
    missing = [e for e in state.emitted if e.contact_id not in known]
    if not missing:
        return []
    keys = Keys(request.app[SETTINGS].redis_prefix)
    ranks = await StatusMachine(request.app[REDIS], keys, 0).ranks(tenant, debtor_id)
    directory = ContactDirectory(request.app[REDIS], keys, 0)
    out = []
    for e in missing:
        ref = await directory.by_token(make_token(tenant, e.contact_id, debtor_id))
        out.append(
            Entry(
                kind="message",
                at=dt.datetime.fromtimestamp(e.at or e.exp, dt.UTC),
                by="cadence",
                channel=e.ch.value,
                address=ref.address if ref else None,
                language=ref.language if ref else None,
                provider=ref.provider if ref else None,
                delivery=RANK_NAME.get(ranks[e.contact_id]) if e.contact_id in ranks else None,
                contact_id=e.contact_id,
                account_id=e.account_id,
            )
        )
    return out


async def _fetch(request: web.Request, raw: list[bytes]) -> dict[tuple[str, Position], bytes]:
    """The records the journal points to, read from their topics together."""
    readers = request.app[JOURNAL_TOPICS]
    wanted = pointers(raw)
    got = await asyncio.gather(*(readers[topic].read(at) for topic, at in wanted.items()))
    return {
        (topic, at): value
        for topic, values in zip(wanted, got, strict=True)
        for at, value in values.items()
    }


async def get_conversation(request: web.Request) -> web.Response:
    tenant = tenant_of(request, request.app[SETTINGS])
    debtor_id = request.match_info["debtor_id"]
    no_unknown(request, ())
    ref = (tenant, debtor_id)
    with stores_answer("conversation store"):
        raw = await request.app[JOURNAL].raw(ref)
        lines = journal_lines(raw, ref, await _fetch(request, raw))
        loaded = await request.app[STORE].load([(ref, [])])
        state = loaded[ref].state
        tasks = await request.app[TASKS].list(tenant, None, debtor_id)
    if not (lines or tasks or state.accounts or state.emitted or state.history):
        raise problem(
            web.HTTPNotFound,
            "debtor_not_found",
            f"no debtor {debtor_id!r} for this tenant",
            "debtor_id",
        )
    entries = _from_journal(lines)
    known = {e.contact_id for e in entries if e.kind == "message" and e.contact_id}
    entries += await _live(request, tenant, debtor_id, state, known)
    entries += _from_state(state, entries)
    entries += _from_tasks(tasks)
    entries.sort(key=lambda e: e.at)
    body = Conversation(tenant_id=tenant, debtor_id=debtor_id, entries=entries)
    return web.json_response(text=body.model_dump_json())
