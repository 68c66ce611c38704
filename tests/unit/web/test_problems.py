"""The one error shape, whoever answers: a handler's bug, aiohttp, a legacy body."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from recaudo.web.problems import CODES, json_errors, problem

Client = TestClient[web.Request, web.Application]


async def boom(_request: web.Request) -> web.Response:
    raise RuntimeError("secret detail")


async def legacy(_request: web.Request) -> web.Response:
    return web.json_response({"error": "unknown provider"}, status=404)


async def shaped(_request: web.Request) -> web.Response:
    raise problem(web.HTTPConflict, "task_closed", "already closed", "task_id")


async def moved(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/elsewhere")


async def plain(_request: web.Request) -> web.Response:
    raise web.HTTPBadRequest(text="bad thing")


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    app = web.Application(middlewares=[json_errors])
    for path, handler in [
        ("/boom", boom),
        ("/legacy", legacy),
        ("/shaped", shaped),
        ("/moved", moved),
        ("/plain", plain),
    ]:
        app.router.add_get(path, handler)
    async with TestClient(TestServer(app)) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "status", "code", "message"),
    [
        ("/boom", 500, "internal_error", "internal error; the server logged it"),
        ("/legacy", 404, "not_found", "unknown provider"),
        ("/shaped", 409, "task_closed", "already closed"),
        ("/plain", 400, "bad_request", "bad thing"),
        ("/nowhere", 404, "not_found", "no route /nowhere; the routes are on /docs"),
    ],
)
async def test_every_error_has_the_one_shape(
    client: Client, path: str, status: int, code: str, message: str
) -> None:
    resp = await client.get(path)
    assert resp.status == status
    assert resp.content_type == "application/json"
    error = (await resp.json())["error"]
    assert (error["code"], error["message"], error["docs"]) == (code, message, f"/docs#{code}")
    assert CODES[code][0] == status
    assert "secret detail" not in await resp.text()


async def test_a_wrong_method_keeps_allow_and_a_redirect_is_untouched(client: Client) -> None:
    resp = await client.post("/shaped")
    assert resp.status == 405
    assert "GET" in resp.headers["Allow"].split(",")
    assert (await resp.json())["error"]["code"] == "method_not_allowed"
    assert (await client.get("/moved", allow_redirects=False)).status == 302
