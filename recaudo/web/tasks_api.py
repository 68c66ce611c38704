"""``GET /v1/tasks`` and ``POST /v1/tasks/{task_id}/close``: the collectors' queue.

Per-tenant API keys as on every ``/v1`` endpoint: a key sees and closes only
its tenant's tasks (another tenant's task id is a 404, not a 403, so ids do
not leak). A close is recorded first (one ``HSETNX``: a second close is 409),
then published twice, acked by the broker before the 200: the closed task on
``tasks`` for consumers of the queue, and a ``TaskClosedEvent`` on
``task-events`` so the debtor's decide stage lifts the pause in order with
the debtor's other events. The body must arrive within
``http_body_timeout_s`` (408), as on ``POST /v1/events``.

``POST /v1/tasks/{task_id}/claim`` says who works a task (another agent's
claim is 409; the claimed task is published on ``tasks``, as a close is) and
``POST /v1/tasks/{task_id}/notes`` keeps what they noted; the close's ``note``
is kept the same way, so the page shows it afterwards.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, TypeVar

from aiohttp import web
from pydantic import AfterValidator, BaseModel, Field, ValidationError

from recaudo.channels.ids import event_id
from recaudo.contracts.codec import encode
from recaudo.contracts.events import TaskClosedEvent
from recaudo.streams.tasks import Task, TaskNote, TaskStatus, TaskStore
from recaudo.web.auth import tenant_of
from recaudo.web.body import read_body
from recaudo.web.keys import PUBLISHER, SETTINGS, TASKS, TOPICS
from recaudo.web.problems import invalid_body, problem
from recaudo.web.query import no_unknown
from recaudo.web.stores import stores_answer


def _legible(text: str, *, lines: bool, blank: bool = False) -> str:
    """Refuses control characters (NUL, escapes; line breaks too unless ``lines``), and
    text that is only spaces unless ``blank``: people read who worked a task and what
    they noted."""
    allowed = "\n\r\t" if lines else ""
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
        raise ValueError("must not contain control characters")
    if not blank and not text.strip():
        raise ValueError("must not be blank")
    return text


#: An agent as the queue shows them.
Person = Annotated[
    str, Field(min_length=1, max_length=64), AfterValidator(lambda t: _legible(t, lines=False))
]
#: A note's text: may run over several lines.
NoteText = Annotated[
    str, Field(min_length=1, max_length=500), AfterValidator(lambda t: _legible(t, lines=True))
]
#: The close's optional note: may be left empty.
CloseNote = Annotated[
    str, Field(max_length=500), AfterValidator(lambda t: _legible(t, lines=True, blank=True))
]


class CloseTask(BaseModel):
    """The body of a close: what the person decided, and who they are."""

    model_config = {"extra": "forbid"}

    resolution: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")
    closed_by: Person
    note: CloseNote | None = None


class ClaimTask(BaseModel):
    """Who takes the task."""

    model_config = {"extra": "forbid"}

    claimed_by: Person


class NoteTask(BaseModel):
    """A note on a task: what was said, what was agreed."""

    model_config = {"extra": "forbid"}

    by: Person
    text: NoteText


Body = TypeVar("Body", bound=BaseModel)


async def _body(request: web.Request, model: type[Body]) -> Body:
    """The JSON body as ``model``, or a 400 naming the field."""
    raw = await read_body(request, request.app[SETTINGS].http_body_timeout_s)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise invalid_body(exc) from exc


async def _task(request: web.Request, tenant: str) -> Task:
    task_id = request.match_info["task_id"]
    with stores_answer("task store"):
        task = await request.app[TASKS].get(tenant, task_id)
    if task is None:
        raise problem(web.HTTPNotFound, "task_not_found", f"no task {task_id!r}", "task_id")
    return task


class TaskList(BaseModel):
    tenant_id: str
    tasks: list[Task] = Field(description="Oldest due first")


async def list_tasks(request: web.Request) -> web.Response:
    tenant = tenant_of(request, request.app[SETTINGS])
    no_unknown(request, ("status", "debtor_id"))
    raw = request.query.get("status", "open")
    if raw not in ("open", "closed", "all"):
        raise problem(
            web.HTTPBadRequest,
            "invalid_parameter",
            f"status: {raw!r} is not one of open, closed, all",
            "status",
        )
    status = None if raw == "all" else TaskStatus(raw)
    debtor = request.query.get("debtor_id") or None
    with stores_answer("task store"):
        tasks = await request.app[TASKS].list(tenant, status, debtor)
    return web.json_response(text=TaskList(tenant_id=tenant, tasks=tasks).model_dump_json())


async def claim_task(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    tenant = tenant_of(request, settings)
    body = await _body(request, ClaimTask)
    task = await _task(request, tenant)
    if task.status is TaskStatus.CLOSED:
        raise problem(
            web.HTTPConflict, "task_closed", f"{task.task_id!r} is already closed", "task_id"
        )
    store: TaskStore = request.app[TASKS]
    with stores_answer("task store"):
        holder = await store.claim(tenant, task.task_id, body.claimed_by, settings.clock().now())
    if holder != body.claimed_by:
        raise problem(
            web.HTTPConflict,
            "task_claimed",
            f"{task.task_id!r} is already claimed by {holder!r}",
            "task_id",
        )
    with stores_answer("task store"):
        claimed = await store.get(tenant, task.task_id) or task
    try:
        # Announced on ``tasks`` for the CRM (``task.claimed``); a retry by the same
        # agent finds the claim theirs and announces it again (same id downstream).
        await request.app[PUBLISHER].publish(
            request.app[TOPICS].tasks, task.debtor_id, encode(claimed)
        )
    except Exception as exc:
        raise problem(
            web.HTTPServiceUnavailable,
            "unavailable",
            "claim recorded but not announced; retry the claim",
        ) from exc
    return web.json_response(text=claimed.model_dump_json())


async def note_task(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    tenant = tenant_of(request, settings)
    body = await _body(request, NoteTask)
    task = await _task(request, tenant)
    store: TaskStore = request.app[TASKS]
    note = TaskNote(at=settings.clock().now(), by=body.by, text=body.text)
    with stores_answer("task store"):
        await store.add_note(tenant, task.task_id, note)
        noted = await store.get(tenant, task.task_id)
    return web.json_response(text=(noted or task).model_dump_json(), status=201)


async def close_task(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    tenant = tenant_of(request, settings)
    body = await _body(request, CloseTask)
    store: TaskStore = request.app[TASKS]
    task = await _task(request, tenant)
    task_id = task.task_id
    if task.status is TaskStatus.CLOSED:
        raise problem(web.HTTPConflict, "task_closed", f"{task_id!r} is already closed", "task_id")
    now = settings.clock().now()  # the decision path's clock (demo, backtest)
    closed = task.model_copy(
        update={
            "status": TaskStatus.CLOSED,
            "closed_at": now,
            "closed_by": body.closed_by,
            "resolution": body.resolution,
        }
    )
    with stores_answer("task store"):
        if not await store.close(closed):
            raise problem(
                web.HTTPConflict, "task_closed", f"{task_id!r} is already closed", "task_id"
            )
    if body.note:
        # Kept with the task's notes: the event carries it to the worker, not to the page.
        note = TaskNote(at=now, by=body.closed_by, text=body.note)
        with stores_answer("task store"):
            await store.add_note(tenant, task_id, note)
        closed = closed.model_copy(update={"notes": [*closed.notes, note]})
    event = TaskClosedEvent(
        event_id=event_id("tasks", "close", tenant, task_id),
        tenant_id=tenant,
        occurred_at=now,
        debtor_id=task.debtor_id,
        task_id=task_id,
        resolution=body.resolution,
        closed_by=body.closed_by,
        note=body.note,
    )
    topics, publisher = request.app[TOPICS], request.app[PUBLISHER]
    try:
        await publisher.publish(topics.task_events, task.debtor_id, encode(event))
        await publisher.publish(topics.tasks, task.debtor_id, encode(closed))
    except Exception as exc:
        # Not announced, not closed: the debtor would stay paused for ever.
        await store.reopen(tenant, task_id)
        raise problem(
            web.HTTPServiceUnavailable, "unavailable", "broker unavailable; retry the close"
        ) from exc
    return web.json_response(text=closed.model_dump_json())


def add_task_routes(app: web.Application) -> None:
    app.router.add_get("/v1/tasks", list_tasks)
    app.router.add_post("/v1/tasks/{task_id}/close", close_task)
    app.router.add_post("/v1/tasks/{task_id}/claim", claim_task)
    app.router.add_post("/v1/tasks/{task_id}/notes", note_task)
