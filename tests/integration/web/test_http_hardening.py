"""HTTP hardening: slow bodies, per-tenant fairness, 503 from a down store, page
security headers, one auth header; against the real broker and Redis.

The provider routes (signed webhooks, voice answers) read their bodies their
own way (a verifier's bytes, a form), so they are driven here too, with every
provider configured."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from aiohttp import HttpVersion10, web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from recaudo.channels.credentials import dump_credentials
from recaudo.channels.sandbox import sandbox_credentials
from recaudo.embedded import free_port
from recaudo.web import build_web_app
from recaudo.web.keys import PUBLISHER
from tests.conftest import SettingsFactory
from tests.integration.harness import account_event
from tests.integration.web.test_odd_headers import requests

pytestmark = pytest.mark.integration
Client = TestClient[web.Request, web.Application]
ACME = {"Authorization": "Bearer key-acme"}
GLOBEX = {"Authorization": "Bearer key-globex"}


class GatedPublisher:
    """Holds acme's records until ``gate`` opens; other tenants pass straight through."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.acme_waiting = asyncio.Event()
        self.published: list[str] = []

    async def publish(self, topic: str, key: str, value: bytes) -> None:
        if orjson.loads(value)["tenant_id"] == "acme":
            self.acme_waiting.set()
            await self.gate.wait()
        self.published.append(key)


@pytest.fixture
async def client(make_settings: SettingsFactory) -> AsyncIterator[Client]:
    settings = make_settings(http_tenant_concurrency=1, http_body_timeout_s=0.5)
    app = build_web_app(settings, CollectorRegistry())
    async with TestClient(TestServer(app)) as c:
        yield c


@pytest.fixture
async def providers_client(make_settings: SettingsFactory, tmp_path: Path) -> AsyncIterator[Client]:
    creds, _key = sandbox_credentials()
    path = tmp_path / "providers.json"
    path.write_bytes(dump_credentials(creds))
    settings = make_settings(providers_file=str(path), http_body_timeout_s=0.5)
    app = build_web_app(settings, CollectorRegistry())
    async with TestClient(TestServer(app)) as c:
        yield c


#: Routes that read a provider's body themselves, not through ``web.body``.
PROVIDER_ROUTES = [
    *(f"/webhooks/{p}" for p in ("twilio", "sendgrid", "meta", "mailgun", "infobip", "vonage")),
    "/voice/twilio/answer?ref=r1",
    "/voice/vonage/answer?ref=r1",
    "/voice/vonage/event?ref=r1",
]


async def test_one_tenants_batches_do_not_stall_another_tenant(
    make_settings: SettingsFactory,
) -> None:
    app = build_web_app(make_settings(http_tenant_concurrency=1), CollectorRegistry())
    gated = GatedPublisher()
    app[PUBLISHER] = gated
    async with TestClient(TestServer(app)) as client:
        await _two_tenants(client, gated)


async def _two_tenants(client: Client, gated: GatedPublisher) -> None:
    acme = [account_event(f"big-{i}") for i in range(50)]
    first = asyncio.ensure_future(client.post("/v1/events", data=orjson.dumps(acme), headers=ACME))
    await gated.acme_waiting.wait()
    second = asyncio.ensure_future(
        client.post("/v1/events", data=orjson.dumps(account_event("big-x")), headers=ACME)
    )
    globex = account_event("g-1", tenant_id="globex")
    resp = await client.post("/v1/events", data=orjson.dumps(globex), headers=GLOBEX)
    assert resp.status == 202, "globex is served while acme's batch is still in flight"
    assert not first.done()
    assert not second.done(), "acme's second batch waits for its tenant's slot"
    gated.gate.set()
    assert (await first).status == 202
    assert (await second).status == 202
    assert gated.published[0] == "g-1"


@pytest.mark.parametrize("path", ["/v1/events", "/v1/tasks/t-slow/close"])
async def test_a_body_that_never_arrives_is_answered_408(client: Client, path: str) -> None:
    await _slow_body(client, path, "application/json")


@pytest.mark.parametrize("path", PROVIDER_ROUTES)
async def test_a_provider_body_that_never_arrives_is_answered_408(
    providers_client: Client, path: str
) -> None:
    # The voice routes waited for ever: a connection and a handler held per client.
    form = "application/x-www-form-urlencoded"
    await _slow_body(providers_client, path, form if "twilio" in path else "application/json")


async def _slow_body(client: Client, path: str, content_type: str) -> None:
    host, port = client.server.host, client.server.port
    reader, writer = await asyncio.open_connection(host, port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer key-acme\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: 1000\r\n\r\n{{"
    )
    writer.write(head.encode())
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(4096), 30)
    writer.close()
    await writer.wait_closed()
    status_line, _, rest = answer.partition(b"\r\n")
    assert b" 408 " in status_line
    assert b"application/json" in rest
    assert b"request body not received in time" in rest


@pytest.mark.parametrize(
    "path",
    ["/v1/events", "/v1/tasks/t-enc/claim", "/v1/tasks/t-enc/close", "/v1/webhook-endpoints"],
)
async def test_a_body_that_does_not_decode_is_a_400_naming_content_encoding(
    client: Client, path: str
) -> None:
    # aiohttp decodes the body as it reads it: a broken stream raised from read(), a 500.
    for encoding, body in (
        ("gzip", b"\x1f\x8b\x08\x00garbage-not-gzip"),
        ("deflate", b"notdeflate"),
    ):
        headers = {**ACME, "Content-Type": "application/json", "Content-Encoding": encoding}
        resp = await client.post(path, data=body, headers=headers)
        assert resp.status == 400, (encoding, await resp.text())
        error = (await resp.json())["error"]
        assert (error["code"], error["parameter"]) == ("bad_request", "Content-Encoding")
        assert resp.headers["Connection"] == "close", "the rest of the stream is unreadable"


@pytest.mark.parametrize("path", PROVIDER_ROUTES)
async def test_a_provider_body_that_does_not_decode_is_a_400_not_a_500(
    providers_client: Client, path: str
) -> None:
    # Read by a webhook verifier or a voice handler, the broken stream was a 500.
    form = "application/x-www-form-urlencoded"
    content_type = form if "twilio" in path else "application/json"
    for encoding, body in (("gzip", b"notgzip"), ("deflate", b"notdeflate")):
        headers = {"Content-Type": content_type, "Content-Encoding": encoding}
        resp = await providers_client.post(path, data=body, headers=headers)
        assert resp.status == 400, (encoding, await resp.text())
        error = (await resp.json())["error"]
        assert (error["code"], error["parameter"]) == ("bad_request", "Content-Encoding")
        assert resp.headers["Connection"] == "close"


async def test_ops_page_is_served_with_security_headers(client: Client) -> None:
    resp = await client.get("/ops")
    assert resp.status == 200
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'sha256-" in csp
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"


async def test_only_the_documented_auth_header_is_accepted(client: Client) -> None:
    body = orjson.dumps(account_event("auth-1"))
    resp = await client.post("/v1/events", data=body, headers={"X-API-Key": "key-acme"})
    assert resp.status == 401


async def test_timeline_answers_503_when_redis_is_down(make_settings: SettingsFactory) -> None:
    settings = make_settings().model_copy(
        update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"}
    )
    async with TestClient(TestServer(build_web_app(settings, CollectorRegistry()))) as down:
        resp = await down.get("/v1/debtors/d1/timeline", headers=ACME)
        assert resp.status == 503
        assert (await resp.json())["error"]["code"] == "unavailable"
        body = orjson.dumps(account_event("down-1"))
        resp = await down.post("/v1/events", data=body, headers=ACME)
        assert resp.status == 503, "intake refuses (retryable) rather than skip its id check"


async def test_no_route_answers_a_broken_body_with_a_500(providers_client: Client) -> None:
    # Every route, those added later included: whether it reads the body or
    # answers first (auth, signature, a GET), never a 500, errors in JSON. One
    # client session, connections reused: an answer that did not read the body must
    # say it closes the connection, or aiohttp's drain of the broken body after the
    # answer drops a connection the client reuses (the next request was lost).
    app = providers_client.app
    assert app is not None
    # GET routes too: a body there is read by no one.
    routes = [(m, path) for m, path in requests(app) if m != "HEAD"]
    assert len(routes) > 30, routes
    broken = (
        {"Content-Encoding": "gzip", "Content-Type": "application/json"},
        {"Content-Encoding": "deflate", "Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "multipart/form-data; boundary=x"},
    )
    for method, path in routes:
        for headers in broken:
            body = b"--x\r\nbad\r\n--x--" if "multipart" in headers["Content-Type"] else b"junk"
            resp = await providers_client.request(
                method, path, data=body, headers={**ACME, **headers}
            )
            where = f"{method} {path} {headers}: {resp.status} {await resp.text()}"
            # /readyz is 503 by design here: a fresh key prefix has no state marker.
            assert resp.status < 500 or path == "/readyz", where
            # aiohttp's parser refuses a body that fails to decode in the packet that
            # brought the headers before any route runs: its plain-text HTTP/1.0 400,
            # which no handler of ours can shape (as in test_odd_headers).
            parser = resp.status == 400 and resp.version == HttpVersion10
            # A page for a person (a payment link) is HTML; every other error is JSON.
            if resp.status >= 400 and not parser and resp.content_type != "text/html":
                assert resp.content_type == "application/json", where
