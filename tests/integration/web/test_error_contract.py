"""The error contract: every answer's status is in the OpenAPI document, every
4xx/5xx is the one JSON shape, the docs page names every code.

A recording middleware, outermost, notes each answer's route and status while
each route is driven into each status it can answer; the test fails on one the
document does not list (schemathesis covers generated requests on top of this).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from recaudo.channels.credentials import ProviderCredentials, TwilioCredentials, dump_credentials
from recaudo.embedded import free_port
from recaudo.streams.wiring import pay_links
from recaudo.web import build_web_app
from recaudo.web.app import MAX_BODY_BYTES
from recaudo.web.openapi import build_spec
from recaudo.web.problems import CODES
from tests.conftest import SettingsFactory
from tests.integration.harness import account_event
from tests.integration.web.pay_loop import ACCOUNTS

pytestmark = pytest.mark.integration
Client = TestClient[web.Request, web.Application]
AUTH = {"Authorization": "Bearer key-acme"}
Seen = list[tuple[str, str | None, int, bytes, str]]


def recorded(app: web.Application) -> Seen:
    seen: Seen = []

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        resource = request.match_info.route.resource
        raw = response.body if isinstance(response, web.Response) else None
        body = raw if isinstance(raw, bytes) else b""
        canonical = resource.canonical if resource is not None else None
        seen.append((request.method, canonical, response.status, body, request.path))
        return response

    app.middlewares.insert(0, record)
    return seen


def assert_shaped(status: int, body: bytes) -> None:
    error = orjson.loads(body)["error"]
    assert CODES[error["code"]][0] == status, (status, error)
    assert error["docs"] == f"/docs#{error['code']}"
    assert error["message"]


def assert_documented(seen: Seen) -> None:
    paths = build_spec()["paths"]
    assert seen
    for method, route, status, body, path in seen:
        if route is None:
            assert status in (404, 405), (method, path, status)
            assert_shaped(status, body)
            continue
        responses = paths[route][method.lower()]["responses"]
        assert str(status) in responses, f"{method} {route} answers undocumented {status}"
        schema = responses[str(status)].get("content", {}).get("application/json", {})
        if status >= 400 and schema.get("schema", {}).get("$ref", "").endswith(
            ("/Error", "/EventsRejected")
        ):
            assert_shaped(status, body)


def _providers(tmp_path: Path) -> Path:
    twilio = TwilioCredentials(
        account_sid="AC" + "1" * 32, auth_token=SecretStr("t"), sms_from="+15005550006"
    )
    providers = tmp_path / "providers.json"
    # Payments configured too: the document lists the checkout and payment webhook routes.
    creds = ProviderCredentials(twilio=twilio, payments=ACCOUNTS)
    providers.write_bytes(dump_credentials(creds))
    return providers


@pytest.fixture
async def client(make_settings: SettingsFactory, tmp_path: Path) -> AsyncIterator[Client]:
    providers = _providers(tmp_path)
    settings = make_settings(providers_file=str(providers), http_body_timeout_s=0.5)
    app = build_web_app(settings, CollectorRegistry())
    seen = recorded(app)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client
    assert_documented(seen)


def test_every_route_is_documented_and_every_operation_served(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    providers = _providers(tmp_path)
    app = build_web_app(make_settings(providers_file=str(providers)), CollectorRegistry())
    routes = {
        (r.method.lower(), r.resource.canonical)
        for r in app.router.routes()
        if r.method != "HEAD" and r.resource is not None
    }
    operations = {(m, path) for path, item in build_spec()["paths"].items() for m in item}
    assert routes == operations


async def test_events_answer_only_documented_statuses(client: Client) -> None:
    event = account_event("ec-1")
    assert (await client.post("/v1/events", data=orjson.dumps(event), headers=AUTH)).status == 202
    changed = {**event, "days_past_due": 7}
    conflict = await client.post("/v1/events", data=orjson.dumps(changed), headers=AUTH)
    assert conflict.status == 409
    body = await conflict.json()
    assert body["error"]["code"] == "event_id_conflict"
    assert body["errors"][0]["pointer"] == "/0/event_id"
    bad = [account_event("ec-2"), {**account_event("ec-3"), "amount_due": "x"}]
    refused = await client.post("/v1/events", data=orjson.dumps(bad), headers=AUTH)
    assert refused.status == 400
    body = await refused.json()
    assert body["error"]["parameter"] == "/1/amount_due"
    assert {e["index"] for e in body["errors"]} == {1}
    assert (await client.post("/v1/events", data=b"{")).status == 401
    assert (await client.post("/v1/events", data=b"{", headers=AUTH)).status == 400
    huge = io.BytesIO(b" " * (MAX_BODY_BYTES + 1))
    assert (await client.post("/v1/events", data=huge, headers=AUTH)).status == 413
    host, port = client.server.host, client.server.port
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"POST /v1/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer key-acme\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{".encode()
    )
    answer = await asyncio.wait_for(reader.read(4096), 30)
    writer.close()
    await writer.wait_closed()
    assert b" 408 " in answer.partition(b"\r\n")[0]


async def test_reads_tasks_and_pages_answer_only_documented_statuses(client: Client) -> None:
    unknown = await client.get("/v1/debtors/nobody", headers=AUTH)
    assert unknown.status == 404
    assert (await unknown.json())["error"]["parameter"] == "debtor_id"
    timeline = await client.get("/v1/debtors/nobody/timeline?limit=x", headers=AUTH)
    assert timeline.status == 400
    assert (await timeline.json())["error"]["parameter"] == "limit"
    assert (await client.get("/v1/debtors/nobody/timeline", headers=AUTH)).status == 200
    # Out of the documented range, or not a parameter of the route: refused by name,
    # as every /v1 read does, not silently clamped or ignored.
    for path, parameter in (
        ("/v1/debtors/nobody/timeline?limit=0", "limit"),
        ("/v1/debtors/nobody/timeline?limit=100000", "limit"),
        ("/v1/debtors/nobody/timeline?foo=1", "foo"),
        ("/v1/debtors/nobody?foo=1", "foo"),
        ("/v1/debtors/nobody/conversation?foo=1", "foo"),
        ("/v1/tasks?foo=1", "foo"),
        ("/v1/webhook-endpoints?foo=1", "foo"),
    ):
        resp = await client.get(path, headers=AUTH)
        assert resp.status == 400, path
        assert (await resp.json())["error"]["parameter"] == parameter, path
    assert (await client.get("/v1/reports/outcomes?by=zzz", headers=AUTH)).status == 400
    assert (await client.get("/v1/reports/outcomes", headers=AUTH)).status == 200
    assert (await client.get("/v1/tasks?status=zzz", headers=AUTH)).status == 400
    assert (await client.get("/v1/tasks", headers=AUTH)).status == 200
    close = "/v1/tasks/t-none/close"
    assert (await client.post(close, data=b"{}", headers=AUTH)).status == 400
    good = orjson.dumps({"resolution": "paid", "closed_by": "ana"})
    assert (await client.post(close, data=good, headers=AUTH)).status == 404
    assert (await client.post(close, data=good)).status == 401
    for page in ("/healthz", "/readyz", "/metrics", "/v1/openapi.json", "/ops", "/docs"):
        assert (await client.get(page)).status in (200, 503), page
    assert (await client.get("/pay/not-a-token", allow_redirects=False)).status == 404


async def test_the_ops_reads_and_task_actions_answer_only_documented_statuses(
    client: Client,
) -> None:
    assert (await client.get("/v1/debtors?q=a", headers=AUTH)).status == 400
    assert (await client.get("/v1/debtors?q=nobody", headers=AUTH)).status == 200
    assert (await client.get("/v1/debtors?q=nobody")).status == 401
    assert (await client.get("/v1/debtors/nobody/conversation", headers=AUTH)).status == 404
    assert (await client.get("/v1/ops/calls?capacity=x", headers=AUTH)).status == 400
    assert (await client.get("/v1/ops/calls", headers=AUTH)).status == 200
    assert (await client.get("/v1/ops/overview?x=1", headers=AUTH)).status == 400
    assert (await client.get("/v1/ops/overview", headers=AUTH)).status == 200
    assert (await client.get("/v1/ops/queue?x=1", headers=AUTH)).status == 400
    assert (await client.get("/v1/ops/queue", headers=AUTH)).status == 200
    for action, body in (("claim", {"claimed_by": "ana"}), ("notes", {"by": "a", "text": "b"})):
        path = f"/v1/tasks/t-none/{action}"
        assert (await client.post(path, data=b"{}", headers=AUTH)).status == 400
        assert (await client.post(path, data=orjson.dumps(body), headers=AUTH)).status == 404
        assert (await client.post(path, data=orjson.dumps(body))).status == 401


async def test_webhooks_answer_only_documented_statuses(client: Client) -> None:
    forged = await client.post("/webhooks/twilio", data={"MessageSid": "SM1"})
    assert forged.status in (400, 401)
    assert (await client.post("/webhooks/sendgrid", data=b"[]")).status == 404
    assert (await client.get("/webhooks/twilio")).status == 405
    assert (await client.get("/webhooks/sendgrid")).status == 404


async def test_unknown_routes_and_methods_are_json_errors(client: Client) -> None:
    missing = await client.get("/v2/nothing")
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "not_found"
    wrong = await client.delete("/v1/events")
    assert wrong.status == 405
    assert "POST" in wrong.headers["Allow"]
    assert (await wrong.json())["error"]["code"] == "method_not_allowed"


async def test_a_down_store_is_a_documented_503(make_settings: SettingsFactory) -> None:
    settings = make_settings().model_copy(
        update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"}
    )
    app = build_web_app(settings, CollectorRegistry())
    seen = recorded(app)
    token, _ = pay_links(settings).token("acme", "c1", "d1", dt.datetime.now(dt.UTC))
    async with TestClient(TestServer(app)) as down:
        resp = await down.get("/v1/debtors/d1/timeline", headers=AUTH)
        assert resp.status == 503
        reads = (
            "/v1/debtors/d1/conversation",
            "/v1/debtors?q=ana",
            "/v1/ops/calls",
            "/v1/ops/queue",
            # These three were a 500 (internal_error) while Redis was away.
            "/v1/debtors/d1",
            "/v1/tasks",
            f"/pay/{token}",
            # And these three, the reports' scans.
            "/v1/reports/outcomes",
            "/v1/reports/after-effective-date",
            "/v1/reports/credit-bureau",
        )
        for read in reads:
            resp = await down.get(read, headers=AUTH)
            assert resp.status == 503, read
            assert resp.headers["Retry-After"] == "5"
        resp = await down.post("/v1/events", data=orjson.dumps(account_event("d1")), headers=AUTH)
        assert resp.status == 503
        assert resp.headers["Retry-After"] == "5"
    assert_documented(seen)


async def test_the_docs_page_names_every_code_and_route(client: Client) -> None:
    resp = await client.get("/docs")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    assert "script-src 'none'" in resp.headers["Content-Security-Policy"]
    page = await resp.text()
    for code in CODES:
        assert f'id="{code}"' in page, code
    for path in build_spec()["paths"]:
        assert f"<code>{path}</code>" in page, path
    assert "://" not in page, "no CDN, no outside link"
