"""Strict input over HTTP (400 naming the field, 409 on a re-used event id) and on
the topic path (dead-lettered with the reason), against the real broker and Redis."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator, Mapping

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from recaudo.foundation.config import Settings
from recaudo.streams.decision_stage import Inbound
from recaudo.web import build_web_app
from tests.conftest import SettingsFactory
from tests.integration.harness import account_event, address_for, dry_run_wiring, payment_event

pytestmark = pytest.mark.integration
AUTH = {"Authorization": "Bearer key-acme"}
Client = TestClient[web.Request, web.Application]


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(build_web_app(settings, CollectorRegistry()))) as c:
        yield c


async def post(client: Client, *events: dict[str, object]) -> tuple[int, dict[str, object]]:
    resp = await client.post("/v1/events", data=orjson.dumps(list(events)), headers=AUTH)
    return resp.status, await resp.json()


async def test_bad_amounts_and_skewed_time_are_400_naming_the_field(client: Client) -> None:
    status, body = await post(client, payment_event("s1", -5, "neg"))
    assert status == 400
    assert "amount" in str(body["errors"])
    future = account_event("s2")
    future["occurred_at"] = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
    status, body = await post(client, future)
    assert status == 400
    assert "occurred_at" in str(body["errors"])
    bad_phone = account_event("s3", channels=("sms",))
    bad_phone["contact_points"] = [{"channel": "sms", "address": "123", "consent": True}]
    status, body = await post(client, bad_phone)
    assert status == 400
    assert "contact_points.0.address" in str(body["errors"])


async def test_a_rule_across_fields_points_at_its_field(client: Client) -> None:
    """Checked against other fields (a due date against occurred_at, a phone against
    the region): the entry's pointer and parameter still name the field, not the event."""
    old_due = account_event("x1")
    old_due["due_date"] = "1900-01-01"
    bad_phone = account_event("x2", channels=("sms",))
    bad_phone["contact_points"] = [{"channel": "sms", "address": "+999", "consent": True}]
    status, body = await post(client, old_due, bad_phone)
    assert status == 400
    errors = body["errors"]
    assert isinstance(errors, list)
    got = [(e["pointer"], e["parameter"]) for e in errors]
    assert got == [
        ("/0/due_date", "due_date"),
        ("/1/contact_points/0/address", "contact_points.0.address"),
    ]
    assert all(not e["message"].startswith("Value error") for e in errors)


async def test_event_id_reused_with_other_content_is_409(client: Client) -> None:
    first = account_event("s4", event_id="evt-s4")
    assert (await post(client, first))[0] == 202
    assert (await post(client, first))[0] == 202, "the same event again is a harmless duplicate"
    changed = {**first, "days_past_due": 99}
    status, body = await post(client, changed)
    assert status == 409
    assert "evt-s4" in str(body["errors"])


async def test_topic_path_dead_letters_conflicts_and_foreign_currency(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings()
    wiring = dry_run_wiring(settings)
    prefix = settings.topic_prefix

    def inbound(topic: str, event: dict[str, object], offset: int) -> Inbound:
        key = str(event["debtor_id"]).encode()
        return Inbound(f"{prefix}{topic}", 0, offset, key, orjson.dumps(event), time.time())

    first = account_event("s5", event_id="evt-s5")
    changed = {**first, "days_past_due": 77}
    euro = payment_event("s5", 100, "eur-1")
    euro["amount"] = {"amount_minor": 100, "currency": "EUR"}
    prepared = await wiring.decision_stage.prepare([inbound("accounts", first, 1)])
    await wiring.decision_stage.commit(prepared)
    prepared = await wiring.decision_stage.prepare(
        [inbound("accounts", changed, 2), inbound("payments", euro, 3)]
    )
    letters = [orjson.loads(o.value) for o in prepared.outputs if o.topic.endswith("dead-letters")]
    assert [(d["offset"], d["error_type"]) for d in letters] == [
        (2, "EventIdConflict"),
        (3, "InvalidEvent"),
    ]
    assert "amount.currency" in letters[1]["error"]
    await wiring.close()


def loose_events(debtor: str) -> list[tuple[dict[str, object], str]]:
    """Each with the field its refusal must name."""
    base = account_event(debtor)
    usd = "USD"
    points = [{"channel": "sms", "address": "+12125550100", "consent": "yes"}]
    return [
        ({**base, "days_past_due": "10"}, "days_past_due"),
        ({**base, "days_past_due": 2**62}, "days_past_due"),
        ({**base, "contact_points": points}, "contact_points.0.consent"),
        ({**base, "flags": {"dispute": "true"}}, "flags.dispute"),
        ({**base, "occurred_at": int(time.time())}, "occurred_at"),
        ({**base, "due_date": "9999-12-31"}, "due_date"),
        ({**base, "amount_due": {"amount_minor": 10**9, "currency": usd}}, "amount_due"),
        (
            {
                **base,
                "balance": {"amount_minor": -100, "currency": usd},
                "amount_due": {"amount_minor": 0, "currency": usd},
            },
            "balance",
        ),
    ]


async def test_loose_input_is_400_naming_the_field(client: Client) -> None:
    for event, field in loose_events("loose-http"):
        status, body = await post(client, event)
        assert status == 400, (field, body)
        assert field in str(body["errors"]), (field, body)


async def test_loose_input_on_the_topics_is_dead_lettered_with_the_reason(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings()
    wiring = dry_run_wiring(settings)
    topic = f"{settings.topic_prefix}accounts"
    cases = loose_events("loose-topic")
    records = [
        Inbound(topic, 0, i, b"loose-topic", orjson.dumps(event), time.time())
        for i, (event, _field) in enumerate(cases)
    ]
    try:
        prepared = await wiring.decision_stage.prepare(records)
    finally:
        await wiring.close()
    letters = [orjson.loads(o.value) for o in prepared.outputs if o.topic.endswith("dead-letters")]
    assert [d["offset"] for d in letters] == list(range(len(cases)))
    for letter, (_event, field) in zip(letters, cases, strict=True):
        assert letter["error_type"] == "InvalidEvent"
        assert field in letter["error"], (field, letter["error"])


def days_ago(event: Mapping[str, object], days: int) -> dict[str, object]:
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    return {**event, "occurred_at": at.isoformat()}


async def test_the_age_limit_refuses_stale_snapshots_but_never_a_late_stop_or_payment(
    make_settings: SettingsFactory,
) -> None:
    """``RECAUDO_EVENT_MAX_AGE_S`` refuses data too old to act on, not what stops
    contact: a late payment, opt-out, reply or legal flag still counts, over HTTP
    and on the topics alike."""
    settings = make_settings(event_max_age_s=86_400)
    old_points = account_event("age-2", channels=("sms",))
    old_points["contact_points"] = [
        {
            "channel": "sms",
            "address": address_for("sms", "age-2"),
            "consent": True,
            "opted_out": True,
        }
    ]
    reply: dict[str, object] = {
        "type": "response",
        "event_id": "age-reply",
        "tenant_id": "acme",
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
        "debtor_id": "age-4",
        "channel": "sms",
        "text": "I already paid. STOP",
    }
    stale = days_ago(account_event("age-1"), 3)
    late = [
        days_ago(old_points, 3),
        days_ago(payment_event("age-3", 100, "age-pay"), 3),
        days_ago(reply, 3),
        days_ago(account_event("age-5", flags={"bankruptcy": True}), 3),
    ]
    async with TestClient(TestServer(build_web_app(settings, CollectorRegistry()))) as client:
        status, body = await post(client, stale)
        assert status == 400
        assert "occurred_at: more than 86400 s in the past" in str(body["errors"])
        for event in late:
            status, body = await post(client, event)
            assert status == 202, (event["type"], body)

    wiring = dry_run_wiring(settings)
    prefix = settings.topic_prefix
    topics = ["accounts", "urgent-accounts", "payments", "responses", "urgent-accounts"]
    records = [
        Inbound(
            f"{prefix}{topic}", 0, i, str(e["debtor_id"]).encode(), orjson.dumps(e), time.time()
        )
        for i, (topic, e) in enumerate(zip(topics, [stale, *late], strict=True))
    ]
    try:
        prepared = await wiring.decision_stage.prepare(records)
    finally:
        await wiring.close()
    letters = [orjson.loads(o.value) for o in prepared.outputs if o.topic.endswith("dead-letters")]
    assert [(d["offset"], d["error_type"]) for d in letters] == [(0, "InvalidEvent")]
    decided = {
        orjson.loads(o.value)["debtor_id"]
        for o in prepared.outputs
        if o.topic.endswith("decisions")
    }
    assert {"age-2", "age-4", "age-5"} <= decided, decided
