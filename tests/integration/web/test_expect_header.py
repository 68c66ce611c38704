"""An ``Expect:`` header other than ``100-continue`` is a JSON 417 naming the header.

aiohttp answers an expectation before any middleware runs, with plain text
unless the route's expect handler says otherwise; these drive every route of
the real web app (broker, Redis) with one, and check ``100-continue`` still
lets the body through.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from recaudo.web import build_web_app
from recaudo.web.problems import CODES
from tests.conftest import SettingsFactory
from tests.integration.harness import account_event
from tests.integration.web.test_error_contract import AUTH, Client, _providers
from tests.integration.web.test_odd_headers import requests, send

pytestmark = pytest.mark.integration

#: A client and every (method, path) its app serves.
Served = tuple[Client, list[tuple[str, str]]]


@pytest.fixture
async def served(make_settings: SettingsFactory, tmp_path: Path) -> AsyncIterator[Served]:
    # Providers and payments configured: the webhook and checkout routes exist too.
    settings = make_settings(providers_file=str(_providers(tmp_path)))
    app = build_web_app(settings, CollectorRegistry())
    # Every path parameter filled, those ``requests`` leaves as they are too: a
    # path no route matches is a 404, whose expect handler aiohttp makes per request.
    routes = [(method, re.sub(r"\{[^}]+\}", "x1", path)) for method, path in requests(app)]
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client, routes


def assert_expect_refused(error: dict[str, str]) -> None:
    assert error["code"] == "expectation_failed", error
    assert CODES[error["code"]][0] == 417
    assert error["parameter"] == "Expect"
    assert "Expect" in error["message"]
    assert error["docs"] == "/docs#expectation_failed"


async def test_an_unknown_expectation_is_a_json_417_naming_the_header(served: Served) -> None:
    client, _routes = served
    event = orjson.dumps(account_event("expect-1"))
    resp = await client.post("/v1/events", data=event, headers=AUTH | {"Expect": "200-ok"})
    assert resp.status == 417
    assert resp.content_type == "application/json"
    assert_expect_refused((await resp.json())["error"])


async def test_every_route_refuses_an_unknown_expectation_in_json(served: Served) -> None:
    client, routes = served
    assert ("GET", "/healthz") in routes
    assert ("POST", "/webhooks/twilio") in routes
    for method, path in routes:
        answer = await send(client.server, method, path, {"Expect": b"200-ok"})
        head, _, body = answer.partition(b"\r\n\r\n")
        where = f"{method} {path}: {head!r} {body[:200]!r}"
        assert head.startswith(b"HTTP/1.1 417 "), where
        assert b"Content-Type: application/json" in head, where
        if method != "HEAD":
            assert_expect_refused(orjson.loads(body)["error"])


async def test_odd_bytes_in_expect_are_a_417_not_a_500(served: Served) -> None:
    client, _routes = served
    for value in (b"\xff\xfe", b"caf\xe9", b"x" * 2000):
        answer = await send(client.server, "POST", "/v1/events", {"Expect": value})
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 417 "), (head, body[:200])
        assert_expect_refused(orjson.loads(body)["error"])


async def test_expect_100_continue_still_receives_the_body(served: Served) -> None:
    client, _routes = served
    plain = await client.post(
        "/v1/events", data=orjson.dumps(account_event("expect-2")), headers=AUTH
    )
    # expect100: the client sends the body only once the server said 100 Continue.
    continued = await client.post(
        "/v1/events", data=orjson.dumps(account_event("expect-3")), headers=AUTH, expect100=True
    )
    assert plain.status == continued.status == 202
    assert await plain.json() == await continued.json() == {"accepted": 1}
    # The header's value is matched whatever its case, as aiohttp does.
    answer = await send(client.server, "POST", "/v1/events", {"Expect": b"100-Continue"})
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 "), answer[:300]


async def test_a_path_or_method_no_route_takes_refuses_in_json_too(served: Served) -> None:
    client, _routes = served
    # aiohttp makes these routes per request; its own 417 there was plain text,
    # and a 500 for bytes outside Latin-1.
    for method, path in (("GET", "/nope"), ("DELETE", "/v1/events"), ("POST", "/healthz")):
        for value in (b"200-ok", b"\xff\xfe", b"caf\xe9"):
            answer = await send(client.server, method, path, {"Expect": value})
            head, _, body = answer.partition(b"\r\n\r\n")
            where = f"{method} {path} {value!r}: {head!r} {body[:200]!r}"
            assert head.startswith(b"HTTP/1.1 417 "), where
            assert b"Content-Type: application/json" in head, where
            assert_expect_refused(orjson.loads(body)["error"])
    # 100-continue there: continued, then the 404 or 405 in the one shape.
    for path, status, code in (
        ("/nope", b"404", "not_found"),
        ("/healthz", b"405", "method_not_allowed"),
    ):
        answer = await send(client.server, "POST", path, {"Expect": b"100-continue"})
        continued, _, rest = answer.partition(b"\r\n\r\n")
        assert continued == b"HTTP/1.1 100 Continue", answer[:300]
        head, _, body = rest.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 " + status + b" "), answer[:300]
        assert orjson.loads(body)["error"]["code"] == code
