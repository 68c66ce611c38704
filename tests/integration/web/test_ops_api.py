"""The operations page's API against the real broker and Redis: search, conversation,
the task queue (claim, note, close), the call list and the headline; each tenant's
key sees its own debtors and tasks only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from recaudo.foundation.config import Settings
from recaudo.web import build_web_app
from tests.conftest import SettingsFactory
from tests.integration.web.ops_data import NEWEST, seed

pytestmark = pytest.mark.integration
ACME = {"Authorization": "Bearer key-acme"}
GLOBEX = {"Authorization": "Bearer key-globex"}
Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(make_settings: SettingsFactory) -> AsyncIterator[Client]:
    settings: Settings = make_settings()
    await seed(settings)
    app = build_web_app(settings, CollectorRegistry())
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def found(client: Client, query: str, headers: dict[str, str]) -> list[str]:
    resp = await client.get("/v1/debtors", params={"q": query}, headers=headers)
    assert resp.status == 200, await resp.text()
    return [d["debtor_id"] for d in (await resp.json())["debtors"]]


async def test_search_finds_a_debtor_by_name_phone_email_or_reference(client: Client) -> None:
    for query in ("ana gómez", "GÓMEZ", "(212) 555-0188", "ana@example", "ref-4417", "ops-ana"):
        assert (await found(client, query, ACME))[:1] == ["ops-ana"], query
    resp = await client.get("/v1/debtors", params={"q": "Ana"}, headers=ACME)
    [ana] = (await resp.json())["debtors"]
    assert (ana["name"], ana["phones"], ana["amount_due_minor"]) == (
        "Ana Gómez",
        ["+12125550188"],
        12_000,
    )
    assert (await client.get("/v1/debtors?q=a", headers=ACME)).status == 400
    assert (await client.get("/v1/debtors?q=ana&x=1", headers=ACME)).status == 400
    assert (await client.get("/v1/debtors?q=ana")).status == 401


async def test_the_conversation_survives_the_contact_keys(client: Client) -> None:
    resp = await client.get("/v1/debtors/ops-ana/conversation", headers=ACME)
    assert resp.status == 200
    entries: list[dict[str, Any]] = (await resp.json())["entries"]
    kinds = [e["kind"] for e in entries]
    assert kinds == ["message", "reply", "promise", "message", "payment", "task"], kinds
    first = entries[0]
    assert first["text"].startswith("Hola Ana, su pago de $120.00")
    assert (first["provider"], first["address"], first["language"]) == (
        "twilio",
        "+12125550188",
        "es",
    )
    assert first["delivery"] == "delivered"
    assert [p["status"] for p in first["progress"]] == ["sent", "delivered"]
    assert entries[1]["text"] == "Puedo pagar 60 el viernes"
    assert (entries[2]["amount_minor"], entries[2]["due_on"]) == (6000, "2026-11-06")
    assert entries[3]["by"] == "assistant"
    assert (entries[4]["amount_minor"], entries[4]["currency"]) == (6000, "USD")


async def test_a_task_is_claimed_noted_and_closed_with_its_note_kept(client: Client) -> None:
    resp = await client.get("/v1/tasks", headers=ACME)
    ids = [t["task_id"] for t in (await resp.json())["tasks"]]
    assert ids == ["task-acme-2", "task-acme-1"], "overdue first"
    claim = "/v1/tasks/task-acme-1/claim"
    resp = await client.post(claim, data=orjson.dumps({"claimed_by": "agent-1"}), headers=ACME)
    assert resp.status == 200
    assert (await resp.json())["claimed_by"] == "agent-1"
    again = await client.post(claim, data=orjson.dumps({"claimed_by": "agent-1"}), headers=ACME)
    assert again.status == 200, "the holder claiming again is no conflict"
    other = await client.post(claim, data=orjson.dumps({"claimed_by": "agent-2"}), headers=ACME)
    assert other.status == 409
    assert (await other.json())["error"]["code"] == "task_claimed"
    note = orjson.dumps({"by": "agent-1", "text": "Called: will pay Friday"})
    resp = await client.post("/v1/tasks/task-acme-1/notes", data=note, headers=ACME)
    assert resp.status == 201
    assert [n["text"] for n in (await resp.json())["notes"]] == ["Called: will pay Friday"]
    close = orjson.dumps({"resolution": "promise", "closed_by": "agent-1", "note": "sent link"})
    resp = await client.post("/v1/tasks/task-acme-1/close", data=close, headers=ACME)
    assert resp.status == 200
    resp = await client.get("/v1/tasks?status=closed", headers=ACME)
    [closed] = (await resp.json())["tasks"]
    assert [n["text"] for n in closed["notes"]] == ["Called: will pay Friday", "sent link"]
    assert (closed["resolution"], closed["claimed_by"]) == ("promise", "agent-1")
    resp = await client.get("/v1/debtors/ops-ana/conversation", headers=ACME)
    texts = [e["text"] for e in (await resp.json())["entries"]]
    assert "sent link" in texts
    assert "promise" in texts
    bad = await client.post(claim.replace("claim", "notes"), data=b"{}", headers=ACME)
    assert (bad.status, (await bad.json())["error"]["parameter"]) == (400, "/by")


async def test_the_queue_puts_overdue_first_with_each_debtors_call_card(client: Client) -> None:
    resp = await client.get("/v1/ops/queue", headers=ACME)
    assert resp.status == 200
    items = (await resp.json())["items"]
    assert [(i["task"]["task_id"], i["overdue"]) for i in items] == [
        ("task-acme-2", True),
        ("task-acme-1", False),
    ]
    ana = items[1]["debtor"]
    assert (ana["name"], ana["phones"][0], ana["language"], ana["amount_due_minor"]) == (
        "Ana Gómez",
        "+12125550188",
        "es",
        12_000,
    )
    resp = await client.get("/v1/ops/queue", headers=GLOBEX)
    assert [i["task"]["task_id"] for i in (await resp.json())["items"]] == ["task-globex-3"]


async def test_a_tenants_key_never_sees_another_tenants_debtors_or_tasks(
    client: Client,
) -> None:
    assert await found(client, "ana", GLOBEX) == []
    assert await found(client, "(212) 555-0188", GLOBEX) == []
    assert await found(client, "gina", GLOBEX) == ["gx-gina"]
    assert await found(client, "gina", ACME) == []
    resp = await client.get("/v1/tasks", headers=GLOBEX)
    assert [t["task_id"] for t in (await resp.json())["tasks"]] == ["task-globex-3"]
    for path in ("/v1/debtors/ops-ana/conversation", "/v1/debtors/ops-ana"):
        assert (await client.get(path, headers=GLOBEX)).status == 404, path
    for action, body in (("claim", {"claimed_by": "x"}), ("notes", {"by": "x", "text": "y"})):
        resp = await client.post(
            f"/v1/tasks/task-acme-1/{action}", data=orjson.dumps(body), headers=GLOBEX
        )
        assert resp.status == 404, action
    resp = await client.get("/v1/ops/calls", headers=GLOBEX)
    assert [c["debtor"]["debtor_id"] for c in (await resp.json())["calls"]] == []
    resp = await client.get("/v1/ops/calls", headers=ACME)
    assert "gx-gina" not in str(await resp.json())


async def test_the_call_list_ranks_by_expected_value_under_capacity(client: Client) -> None:
    resp = await client.get("/v1/ops/calls?capacity=3", headers=ACME)
    assert resp.status == 200
    body = await resp.json()
    calls = body["calls"]
    assert len(calls) == 3
    assert "uplift" in body["value_source"]
    values = [c["expected_value_minor"] for c in calls]
    assert values == sorted(values, reverse=True)
    ids = [c["debtor"]["debtor_id"] for c in calls]
    assert not {"ops-ana", "ops-luis"} & set(ids), "open tasks are in the queue"
    assert (await client.get("/v1/ops/calls?capacity=0", headers=ACME)).status == 400


async def test_the_headline_says_in_words_where_the_strategy_stands(client: Client) -> None:
    resp = await client.get("/v1/ops/overview", headers=ACME)
    assert resp.status == 200
    body = await resp.json()
    assert body["as_of"].startswith(NEWEST.isoformat()[:16]), "the data's time"
    assert body["verdict"] in ("ahead", "too_early")
    assert body["arm"] == "champion"
    assert body["estimate"] == pytest.approx(4250.0)
    assert "champion" in body["sentence"]
    if body["verdict"] == "too_early":
        assert body["days_more"] is not None
        assert "more days" in body["sentence"]
    assert len(body["weeks"]) == 2
    assert {r["arm"] for r in body["rates"]} == {"champion", "holdout"}
    resp = await client.get("/v1/ops/overview", headers=GLOBEX)
    assert (await resp.json())["verdict"] == "no_data"
