"""``/v1/webhook-endpoints``: tenant-scoped, SSRF-checked, secrets shown once, JSON errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from recaudo.web import build_web_app
from tests.conftest import SettingsFactory

pytestmark = pytest.mark.integration
ACME = {"Authorization": "Bearer key-acme"}
GLOBEX = {"Authorization": "Bearer key-globex"}
Client = TestClient[web.Request, web.Application]


async def serve(make_settings: SettingsFactory, **overrides: object) -> Client:
    app = build_web_app(make_settings(**overrides), CollectorRegistry())
    return TestClient(TestServer(app))


@pytest.fixture
async def client(make_settings: SettingsFactory) -> AsyncIterator[Client]:
    async with await serve(make_settings, webhook_allow_http=True, webhook_allow_private=True) as c:
        yield c


async def test_register_list_rotate_log_and_delete(client: Client) -> None:
    body = {"url": "http://127.0.0.1:9/hook", "types": ["contact.delivered", "payment.applied"]}
    created = await client.post("/v1/webhook-endpoints", json=body, headers=ACME)
    assert created.status == 201
    endpoint = await created.json()
    assert endpoint["secret"].startswith("whsec_")
    endpoint_id = endpoint["endpoint_id"]
    listed = await (await client.get("/v1/webhook-endpoints", headers=ACME)).json()
    assert [e["endpoint_id"] for e in listed["endpoints"]] == [endpoint_id]
    assert "secret" not in listed["endpoints"][0]
    # Another tenant's key sees nothing of it.
    other = await client.get(f"/v1/webhook-endpoints/{endpoint_id}", headers=GLOBEX)
    assert other.status == 404
    assert (await other.json())["error"]["code"] == "not_found"
    rotated = await client.post(f"/v1/webhook-endpoints/{endpoint_id}/secret", headers=ACME)
    assert rotated.status == 201
    again = await rotated.json()
    assert again["secret"] != endpoint["secret"]
    assert again["previous_secret_until"]
    log = await client.get(f"/v1/webhook-endpoints/{endpoint_id}/deliveries", headers=ACME)
    assert (await log.json()) == {"endpoint_id": endpoint_id, "deliveries": []}
    gone = await client.delete(f"/v1/webhook-endpoints/{endpoint_id}", headers=ACME)
    assert gone.status == 204
    missing = await client.get(f"/v1/webhook-endpoints/{endpoint_id}", headers=ACME)
    assert missing.status == 404


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.1/hook",
        "https://localhost/hook",
        "http://203.0.113.9/hook",
    ],
)
async def test_ssrf_refused_with_the_settings_off(make_settings: SettingsFactory, url: str) -> None:
    async with await serve(make_settings) as client:
        body = {"url": url, "types": ["contact.sent"]}
        answer = await client.post("/v1/webhook-endpoints", json=body, headers=ACME)
        assert answer.status == 400
        error = (await answer.json())["error"]
        assert error["code"] == "invalid_parameter"
        assert error["parameter"] == "/url"


@pytest.mark.parametrize("url", ["https://[::1/x", "https://example.com:99999/x", "https://a..b/"])
async def test_malformed_url_is_a_400_naming_it(client: Client, url: str) -> None:
    """Unparseable port, bracket or host: refused by the guard, never a 500."""
    body = {"url": url, "types": ["contact.sent"]}
    answer = await client.post("/v1/webhook-endpoints", json=body, headers=ACME)
    assert answer.status == 400
    error = (await answer.json())["error"]
    assert error["code"] == "invalid_parameter"
    assert error["parameter"] == "/url"
    assert error["message"].startswith("url: ")


async def test_bad_bodies_and_keys(client: Client) -> None:
    unknown = {"url": "http://127.0.0.1:9/", "types": ["contact.teleported"]}
    answer = await client.post("/v1/webhook-endpoints", json=unknown, headers=ACME)
    assert answer.status == 400
    assert (await client.get("/v1/webhook-endpoints")).status == 401
