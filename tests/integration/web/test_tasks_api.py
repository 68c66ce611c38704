"""The collectors' task API in-process against the real broker and Redis: per-tenant
keys, the field named in every 4xx, one close wins, and a close reaches the
debtor's decide stage as an event."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import orjson
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.streams.tasks import Task, TaskKind, TaskStore
from recaudo.web import build_web_app
from tests.conftest import SettingsFactory
from tests.integration.harness import Bus

pytestmark = pytest.mark.integration
ACME = {"Authorization": "Bearer key-acme"}
GLOBEX = {"Authorization": "Bearer key-globex"}
NOW = dt.datetime(2026, 12, 2, 15, tzinfo=dt.UTC)


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = build_web_app(settings, CollectorRegistry())
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def opened(settings: Settings, debtor: str, kind: TaskKind = TaskKind.HUMAN) -> Task:
    """A task as the decision stage stores it."""
    task = Task(
        task_id=f"task-{debtor}",
        tenant_id="acme",
        debtor_id=debtor,
        kind=kind,
        reason="assistant.human",
        opened_at=NOW,
        due_by=NOW + dt.timedelta(hours=8),
        trigger_event_id=f"in-{debtor}",
    )
    client = aioredis.Redis.from_url(settings.redis_url)
    try:
        await TaskStore(client, Keys(settings.redis_prefix)).open([task])
    finally:
        await client.aclose()
    return task


async def test_a_task_is_listed_for_its_tenant_only_and_closed_once(
    client: TestClient[web.Request, web.Application], settings: Settings
) -> None:
    task = await opened(settings, "tk-1")
    resp = await client.get("/v1/tasks", headers=ACME)
    assert resp.status == 200
    assert [t["task_id"] for t in (await resp.json())["tasks"]] == [task.task_id]
    resp = await client.get("/v1/tasks", headers=GLOBEX)
    assert (await resp.json())["tasks"] == []
    resp = await client.post(
        f"/v1/tasks/{task.task_id}/close",
        data=orjson.dumps({"resolution": "resolved", "closed_by": "agent-1"}),
        headers=GLOBEX,
    )
    assert resp.status == 404
    assert (await resp.json())["error"]["parameter"] == "task_id"

    body = orjson.dumps({"resolution": "resolved", "closed_by": "agent-7", "note": "called"})
    resp = await client.post(f"/v1/tasks/{task.task_id}/close", data=body, headers=ACME)
    assert resp.status == 200
    closed = await resp.json()
    assert (closed["status"], closed["closed_by"]) == ("closed", "agent-7")
    resp = await client.post(f"/v1/tasks/{task.task_id}/close", data=body, headers=ACME)
    assert resp.status == 409
    assert "already closed" in (await resp.json())["error"]["message"]

    resp = await client.get("/v1/tasks?status=closed&debtor_id=tk-1", headers=ACME)
    assert [t["status"] for t in (await resp.json())["tasks"]] == ["closed"]
    resp = await client.get("/v1/tasks", headers=ACME)
    assert (await resp.json())["tasks"] == []

    async with Bus(settings) as bus:
        records = await bus.collect(
            (bus.topics.task_events, bus.topics.tasks), lambda rs: len(rs) >= 2, timeout_s=10
        )
    by_topic = {r["_topic"]: r for r in records if r["debtor_id"] == "tk-1"}
    assert by_topic[bus.topics.task_events]["type"] == "task_closed"
    assert by_topic[bus.topics.task_events]["task_id"] == task.task_id
    assert by_topic[bus.topics.tasks]["status"] == "closed"


async def test_bad_requests_name_the_field(
    client: TestClient[web.Request, web.Application], settings: Settings
) -> None:
    task = await opened(settings, "tk-2")
    resp = await client.get("/v1/tasks")
    assert resp.status == 401
    resp = await client.get("/v1/tasks?status=maybe", headers=ACME)
    assert resp.status == 400
    assert (await resp.json())["error"]["parameter"] == "status"
    resp = await client.post(
        f"/v1/tasks/{task.task_id}/close", data=b'{"closed_by": "a"}', headers=ACME
    )
    assert resp.status == 400
    assert "resolution" in (await resp.json())["error"]["message"]
    resp = await client.post("/v1/tasks/nope/close", data=b"{}", headers=ACME)
    assert resp.status == 400  # the body is judged first: nothing to close with it
    # Names and notes people read: no NUL or escape sequences, no name of spaces only.
    for path, body, field in (
        ("claim", {"claimed_by": "\u0000"}, "claimed_by"),
        ("claim", {"claimed_by": "   "}, "claimed_by"),
        ("close", {"resolution": "ok", "closed_by": "\u001b[2J"}, "closed_by"),
        ("notes", {"by": "ana", "text": "paid\u0000"}, "text"),
    ):
        resp = await client.post(f"/v1/tasks/{task.task_id}/{path}", json=body, headers=ACME)
        assert resp.status == 400, body
        assert field in (await resp.json())["error"]["message"]
    resp = await client.post(
        f"/v1/tasks/{task.task_id}/notes",
        json={"by": "María José", "text": "called back\nwill pay Friday"},
        headers=ACME,
    )
    assert resp.status == 201


async def test_the_debtor_view_lists_the_debtors_tasks(
    client: TestClient[web.Request, web.Application], settings: Settings
) -> None:
    task = await opened(settings, "tk-3", TaskKind.DISPUTE)
    resp = await client.get("/v1/debtors/tk-3", headers=ACME)
    assert resp.status == 200
    [shown] = (await resp.json())["tasks"]
    assert (shown["task_id"], shown["kind"], shown["status"]) == (task.task_id, "dispute", "open")
