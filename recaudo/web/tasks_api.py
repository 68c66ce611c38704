"""``GET /v1/tasks`` and ``POST /v1/tasks/{task_id}/close``: the collectors' queue.

Per-tenant API keys as on every ``/v1`` endpoint: a key sees and closes only
its tenant's tasks (another tenant's task id is a 404, not a 403, so ids do
not leak). A close is recorded first (one ``HSETNX``: a second close is 409),
then published twice, acked by the broker before the 200: the closed task on
``tasks`` for consumers of the queue, and a ``TaskClosedEvent`` on
``task-events`` so the debtor's decide stage lifts the pause in order with
the debtor's other events. The body must arrive within
``http_body_timeout_s`` (408), as on ``POST /v1/events``.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field, ValidationError

from recaudo.channels.ids import event_id
from recaudo.streams.codec import encode
from recaudo.streams.events import TaskClosedEvent
from recaudo.streams.pipeline import describe
from recaudo.streams.tasks import Task, TaskStatus, TaskStore
from recaudo.web.auth import tenant_of
from recaudo.web.body import read_body
from recaudo.web.keys import PUBLISHER, SETTINGS, TASKS, TOPICS
from recaudo.web.problems import problem


class CloseTask(BaseModel):
    """The body of a close: what the person decided, and who they are."""

    model_config = {"extra": "forbid"}

    resolution: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")
    closed_by: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=500)


class TaskList(BaseModel):
    tenant_id: str
    tasks: list[Task] = Field(description="Oldest due first")


async def list_tasks(request: web.Request) -> web.Response:
    tenant = tenant_of(request, request.app[SETTINGS])
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
    tasks = await request.app[TASKS].list(tenant, status, debtor)
    return web.json_response(text=TaskList(tenant_id=tenant, tasks=tasks).model_dump_json())


async def close_task(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    tenant = tenant_of(request, settings)
    task_id = request.match_info["task_id"]
    raw = await read_body(request, settings.http_body_timeout_s)
    try:
        body = CloseTask.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        pointer = "".join(f"/{part}" for part in first["loc"]) or ""
        code = "invalid_json" if first["type"] == "json_invalid" else "invalid_parameter"
        raise problem(web.HTTPBadRequest, code, describe(exc), pointer or None) from exc
    store: TaskStore = request.app[TASKS]
    task = await store.get(tenant, task_id)
    if task is None:
        raise problem(web.HTTPNotFound, "task_not_found", f"no task {task_id!r}", "task_id")
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
    if not await store.close(closed):
        raise problem(web.HTTPConflict, "task_closed", f"{task_id!r} is already closed", "task_id")
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
