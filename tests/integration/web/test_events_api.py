"""POST /v1/events, probes and the timeline, served in-process against the real broker and Redis."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from recaudo.channels.credentials import (
    ProviderCredentials,
    SnsConfig,
    TwilioCredentials,
    dump_credentials,
)
from recaudo.contracts.outputs import Action, Decision
from recaudo.contracts.state import state_key
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.foundation.state_marker import StateMarker
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change, StateStore
from recaudo.streams.timeline import timeline_lines
from recaudo.web import build_web_app
from recaudo.web.app import MAX_BODY_BYTES
from tests.conftest import SettingsFactory
from tests.integration.harness import Bus, Record, account_event, payment_event

pytestmark = pytest.mark.integration
AUTH = {"Authorization": "Bearer key-acme"}


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = build_web_app(settings, CollectorRegistry())
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def on_topic(records: list[Record], debtor: str) -> list[Record]:
    return [r for r in records if r["debtor_id"] == debtor]


async def test_json_event_is_on_the_broker_before_202(
    client: TestClient[web.Request, web.Application], settings: Settings
) -> None:
    event = account_event("web-1")
    resp = await client.post("/v1/events", data=orjson.dumps(event), headers=AUTH)
    assert resp.status == 202
    assert await resp.json() == {"accepted": 1}
    async with Bus(settings) as bus:
        records = await bus.collect((bus.topics.accounts,), lambda rs: bool(rs), timeout_s=10)
    assert records[0]["event_id"] == event["event_id"]
    assert records[0]["amount_due"] == {"amount_minor": 10_000, "currency": "USD"}


async def test_ndjson_batch_goes_to_each_events_topic(
    client: TestClient[web.Request, web.Application], settings: Settings
) -> None:
    lines = [account_event("web-2"), payment_event("web-2", 500, "p1"), account_event("web-3")]
    body = b"\n".join(orjson.dumps(line) for line in lines) + b"\n"
    headers = {**AUTH, "Content-Type": "application/x-ndjson"}
    resp = await client.post("/v1/events", data=body, headers=headers)
    assert resp.status == 202
    assert (await resp.json())["accepted"] == 3
    async with Bus(settings) as bus:
        records = await bus.collect(
            (bus.topics.accounts, bus.topics.payments), lambda rs: len(rs) == 3, timeout_s=10
        )
    by_topic = {(r["_topic"], r["debtor_id"]) for r in records}
    assert (bus.topics.payments, "web-2") in by_topic
    assert (bus.topics.accounts, "web-3") in by_topic


async def test_batch_with_one_bad_line_is_refused_whole_with_the_line_named(
    client: TestClient[web.Request, web.Application], settings: Settings
) -> None:
    bad = account_event("web-5")
    bad["days_past_due"] = -3
    body = b"\n".join([orjson.dumps(account_event("web-4")), b"{oops", orjson.dumps(bad)])
    headers = {**AUTH, "Content-Type": "application/x-ndjson"}
    resp = await client.post("/v1/events", data=body, headers=headers)
    assert resp.status == 400
    body = await resp.json()
    assert body["error"]["code"] == "invalid_events"
    assert body["error"]["docs"] == "/docs#invalid_events"
    errors = {e["index"]: e for e in body["errors"]}
    assert set(errors) == {1, 2}, "0-based lines"
    assert errors[1]["code"] == "invalid_json"
    assert "not valid JSON" in errors[1]["message"]
    assert errors[2]["pointer"] == "/2/days_past_due"
    assert errors[2]["parameter"] == "days_past_due"
    assert body["error"]["parameter"] == "/1"
    # Nothing of the refused batch reached the broker: a marker sent after it is the first.
    marker = account_event("web-marker")
    assert (await client.post("/v1/events", data=orjson.dumps(marker), headers=AUTH)).status == 202
    async with Bus(settings) as bus:
        records = await bus.collect((bus.topics.accounts,), lambda rs: bool(rs), timeout_s=10)
    assert [r["debtor_id"] for r in records] == ["web-marker"]


async def test_authentication_and_tenant_isolation(
    client: TestClient[web.Request, web.Application],
) -> None:
    event = orjson.dumps(account_event("web-6"))
    missing = await client.post("/v1/events", data=event)
    assert missing.status == 401
    assert "missing API key" in (await missing.json())["error"]["message"]
    wrong = await client.post("/v1/events", data=event, headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401
    other = await client.post(
        "/v1/events", data=event, headers={"Authorization": "Bearer key-globex"}
    )
    assert other.status == 400
    problem = (await other.json())["errors"][0]
    assert (problem["code"], problem["pointer"]) == ("wrong_tenant", "/0/tenant_id")


async def test_malformed_and_oversize_bodies(
    client: TestClient[web.Request, web.Application],
) -> None:
    """Each names the whole body as what to fix: the JSON Pointer "" (RFC 6901)."""
    not_json = await client.post("/v1/events", data=b"{", headers=AUTH)
    assert not_json.status == 400
    error = (await not_json.json())["error"]
    assert (error["code"], error["parameter"]) == ("invalid_json", "")
    empty = await client.post("/v1/events", data=b"[]", headers=AUTH)
    assert empty.status == 400
    assert (await empty.json())["error"]["parameter"] == ""
    huge = await client.post(
        "/v1/events", data=io.BytesIO(b" " * (MAX_BODY_BYTES + 1)), headers=AUTH
    )
    assert huge.status == 413
    assert (await huge.json())["error"]["parameter"] == ""
    for path, body in (("/v1/tasks/t-1/claim", b"[1]"), ("/v1/webhook-endpoints", b"{")):
        whole = await client.post(path, data=body, headers=AUTH)
        assert whole.status == 400, path
        assert (await whole.json())["error"]["parameter"] == "", path


async def test_probes_and_metrics(
    client: TestClient[web.Request, web.Application], settings: Settings
) -> None:
    assert (await client.get("/healthz")).status == 200
    # No worker has initialised this deployment's Redis yet: not ready.
    unready = await client.get("/readyz")
    assert unready.status == 503
    assert (await unready.json())["checks"]["redis_state"] is False
    assert "recaudo_redis_state_lost 1.0" in await (await client.get("/metrics")).text()
    redis_client = aioredis.Redis.from_url(settings.redis_url)
    try:
        await StateMarker(redis_client, Keys(settings.redis_prefix)).write("test")
    finally:
        await redis_client.aclose()
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["checks"] == {
        "redis": True,
        "broker": True,
        "redis_state": True,
        "broker_data": True,
    }
    assert (await ready.json())["dry_run"] is True, "no providers file: the web says so too"
    before = await (await client.get("/metrics")).text()
    assert 'recaudo_http_events_total{outcome="rejected"} 0.0' in before, "exported from start"
    await client.post("/v1/events", data=orjson.dumps(account_event("web-7")), headers=AUTH)
    await client.post("/v1/events", data=b"{", headers=AUTH)
    text = await (await client.get("/metrics")).text()
    assert 'recaudo_http_events_total{outcome="accepted"} 1.0' in text
    assert 'recaudo_http_requests_total{method="POST",route="/v1/events",status="202"} 1.0' in text
    assert 'recaudo_http_requests_total{method="POST",route="/v1/events",status="400"} 1.0' in text
    assert "process_resident_memory_bytes" in text
    assert 'recaudo_dry_run{environment="development"} 1.0' in text


async def test_timeline_lists_the_debtors_decisions_newest_first(
    client: TestClient[web.Request, web.Application], settings: Settings
) -> None:
    redis_client = aioredis.Redis.from_url(settings.redis_url)
    try:
        store = StateStore(redis_client, Keys(settings.redis_prefix), 3600)
        decisions = [
            Decision(
                decision_id=f"d{i}",
                tenant_id="acme",
                debtor_id="web-8",
                action=Action.DEFER,
                reasons=(),
                policy_version="v1",
                trigger_event_id=f"ev-{i}",
                trigger_type="account",
                decided_at=dt.datetime(2026, 11, 18, 15, i, tzinfo=dt.UTC),
                latency_s=0.01,
            )
            for i in range(3)
        ]
        change = Change(("acme", "web-8"), DebtorState(), ["e1"], timeline_lines(decisions))
        await store.commit([change], dt.datetime.now(dt.UTC).timestamp())
    finally:
        await redis_client.aclose()
    resp = await client.get("/v1/debtors/web-8/timeline", headers=AUTH)
    assert resp.status == 200
    body = await resp.json()
    assert [d["decision_id"] for d in body["decisions"]] == ["d2", "d1", "d0"]
    other = await client.get(
        "/v1/debtors/web-8/timeline", headers={"Authorization": "Bearer key-globex"}
    )
    assert (await other.json())["decisions"] == [], "tenants never see each other's debtors"


async def test_the_debtor_view_shows_balances_and_contacts_to_its_tenant_only(
    client: TestClient[web.Request, web.Application], settings: Settings
) -> None:
    state = DebtorState.model_validate(
        {
            "tz": "Europe/Madrid",
            "accounts": {"a-1": {"status": "delinquent", "dpd": 31, "bal": 50000, "cur": "EUR"}},
            "emitted": [{"cid": "c-1", "acct": "a-1", "ch": "email", "exp": 4e9, "at": 1.7e9}],
        }
    )
    redis_client = aioredis.Redis.from_url(settings.redis_url)
    try:
        store = StateStore(redis_client, Keys(settings.redis_prefix), 3600)
        await store.commit([Change(("acme", "web-9"), state, ["e1"], [])], 1.7e9)
    finally:
        await redis_client.aclose()
    resp = await client.get("/v1/debtors/web-9", headers=AUTH)
    assert resp.status == 200
    body = await resp.json()
    assert body["known"] is True
    assert body["timezone"] == "Europe/Madrid"
    assert body["accounts"][0]["balance_minor"] == 50000
    assert body["accounts"][0]["currency"] == "EUR"
    assert body["contacts"][0]["contact_id"] == "c-1"
    assert body["contacts"][0]["sent_at"].startswith("2023-11-14T22:13:20")
    other = await client.get("/v1/debtors/web-9", headers={"Authorization": "Bearer key-globex"})
    assert other.status == 404, "tenants never see each other's debtors"
    assert (await other.json())["error"]["code"] == "debtor_not_found"
    assert (await client.get("/v1/debtors/web-9")).status == 401


async def test_a_state_this_release_cannot_read_is_a_503_naming_why_not_a_500(
    client: TestClient[web.Request, web.Application], settings: Settings
) -> None:
    """A value under a marker of a newer release (met during an upgrade) or cut short."""
    redis_client = aioredis.Redis.from_url(settings.redis_url)
    keys = Keys(settings.redis_prefix)
    try:
        await redis_client.set(state_key(keys, "acme", "web-new"), b"\x09" + b"\x00" * 40)
        await redis_client.set(state_key(keys, "acme", "web-cut"), DebtorState().encode()[:2])
    finally:
        await redis_client.aclose()
    for debtor, why in (("web-new", "newer release"), ("web-cut", "truncated")):
        resp = await client.get(f"/v1/debtors/{debtor}", headers=AUTH)
        assert resp.status == 503
        error = (await resp.json())["error"]
        assert error["code"] == "unavailable"
        assert why in error["message"]


async def test_configured_providers_get_webhook_routes_and_others_404(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    creds = ProviderCredentials(
        twilio=TwilioCredentials(
            account_sid="AC" + "1" * 32, auth_token=SecretStr("t"), sms_from="+15005550006"
        ),
        sns=SnsConfig(allowed_topic_arns=("arn:aws:sns:us-east-1:123456789012:ses",)),
    )
    providers = tmp_path / "providers.json"
    providers.write_bytes(dump_credentials(creds))
    app = build_web_app(make_settings(providers_file=str(providers)), CollectorRegistry())
    async with TestClient(TestServer(app)) as client:
        for provider in ("twilio", "ses"):
            resp = await client.post(f"/webhooks/{provider}", data=b"{}")
            assert resp.status in (400, 401), (provider, resp.status)
            assert "code" in (await resp.json())["error"]
        unknown = await client.post("/webhooks/sendgrid", data=b"[]")
        assert unknown.status == 404, "not configured: no route answers for it"
        text = await (await client.get("/metrics")).text()
    # Outcomes by provider and status; configured providers' series exist from start.
    assert 'recaudo_webhooks_total{provider="twilio",status="503"} 0.0' in text
    answered = [
        line
        for line in text.splitlines()
        if line.startswith("recaudo_webhooks_total{") and not line.endswith(" 0.0")
    ]
    assert len(answered) == 2, answered
    assert not any('provider="sendgrid"' in line for line in answered)


async def test_a_payment_the_known_account_cannot_take_is_refused_naming_the_field(
    client: TestClient[web.Request, web.Application], settings: Settings
) -> None:
    snapshot_at = dt.datetime.now(dt.UTC).timestamp() - 3600
    state = DebtorState.model_validate(
        {
            "accounts": {
                "A-web-10": {
                    "status": "delinquent",
                    "bal": 50_000,
                    "sbal": 50_000,
                    "at": snapshot_at,
                },
                "A-web-11": {"status": "closed", "at": snapshot_at},
            }
        }
    )
    redis_client = aioredis.Redis.from_url(settings.redis_url)
    try:
        store = StateStore(redis_client, Keys(settings.redis_prefix), 3600)
        await store.commit([Change(("acme", "web-10"), state, ["e1"], [])], snapshot_at)
    finally:
        await redis_client.aclose()
    too_much = payment_event("web-10", 50_001, "P-10")
    closed = {**payment_event("web-10", 100, "P-11"), "account_id": "A-web-11"}
    euros = payment_event("web-10", 100, "P-12")
    euros["amount"] = {"amount_minor": 100, "currency": "EUR"}
    body = orjson.dumps([too_much, closed, euros])
    resp = await client.post("/v1/events", data=body, headers=AUTH)
    assert resp.status == 400, await resp.text()
    errors = (await resp.json())["errors"]
    assert [(e["index"], e["pointer"], e["code"]) for e in errors] == [
        (0, "/0/amount/amount_minor", "payment_mismatch"),
        (1, "/1/account_id", "payment_mismatch"),
        (2, "/2/amount/currency", "payment_mismatch"),
    ]
    assert "closed" in errors[1]["message"]
    # With a newer snapshot in the same batch the stage judges it (README contract).
    fresh = account_event("web-10", due_minor=20_000)
    fresh["account_id"] = "A-web-10"
    body = orjson.dumps([fresh, too_much])
    assert (await client.post("/v1/events", data=body, headers=AUTH)).status == 202
