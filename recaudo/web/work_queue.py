"""``GET /v1/ops/queue``: the open tasks for people, overdue first, each with its debtor.

What an agent needs before picking up the phone is in the row: the task
(kind, why, the debtor's words, who claimed it, the notes) and the debtor's
name, phone, language and amount due (``streams.ops.cards``). "Overdue" is
judged on the service's clock (``Settings.clock``), so a demo on a simulated
clock reads right.
"""

from __future__ import annotations

import datetime as dt

from aiohttp import web
from pydantic import BaseModel, Field

from recaudo.streams.tasks import Task, TaskStatus
from recaudo.web.auth import tenant_of
from recaudo.web.keys import CARDS, SETTINGS, TASKS
from recaudo.web.query import no_unknown
from recaudo.web.search import DebtorSummary, summary_of
from recaudo.web.stores import stores_answer


class QueueItem(BaseModel):
    task: Task
    overdue: bool
    debtor: DebtorSummary | None = Field(description="Null while the debtor has no state yet")


class WorkQueue(BaseModel):
    tenant_id: str
    now: dt.datetime = Field(description="The service clock's time, that overdue is judged at")
    items: list[QueueItem] = Field(description="Overdue first, then by due time")


async def get_queue(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    tenant = tenant_of(request, settings)
    no_unknown(request, ())
    with stores_answer("task store"):
        tasks = await request.app[TASKS].list(tenant, TaskStatus.OPEN)
        cards = {c.debtor_id: c for c in await request.app[CARDS].cards(tenant)}
    now = settings.clock().now()
    items = [
        QueueItem(
            task=t,
            overdue=t.due_by < now,
            debtor=summary_of(cards[t.debtor_id]) if t.debtor_id in cards else None,
        )
        for t in sorted(tasks, key=lambda t: (t.due_by, t.task_id))
    ]
    body = WorkQueue(tenant_id=tenant, now=now, items=items)
    return web.json_response(text=body.model_dump_json())
