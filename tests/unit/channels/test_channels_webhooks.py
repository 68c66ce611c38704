"""The webhook routes end to end on loopback: verify, dedupe, order, publish, answer."""

from __future__ import annotations

import json
from urllib.parse import quote

import aiohttp
import pytest

from recaudo.channels.directory import ContactDirectory, ContactRef
from recaudo.channels.sandbox import signing
from recaudo.contracts.events import Channel
from tests.unit.channels.channels_testkit import Hooks

TOKEN = "sandbox-twilio-token"
REF = ContactRef(
    tenant_id="acme",
    contact_id="c-1",
    debtor_id="d-1",
    account_id="a-1",
    channel=Channel.SMS,
    address="+15551230001",
    language="es",
    provider="twilio",
)


async def post_twilio(
    hooks: Hooks, params: list[tuple[str, str]], ref: str | None = REF.token
) -> aiohttp.ClientResponse:
    path = "/webhooks/twilio" + (f"?ref={quote(ref, safe='/:@')}" if ref else "")
    headers, body = signing.twilio(TOKEN, hooks.base_url + path, params)
    return await hooks.client.post(path, data=body, headers=headers)


def status(sid: str, value: str, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [("MessageSid", sid), ("MessageStatus", value), ("To", REF.address), *extra]


async def test_twilio_status_is_published_once_and_never_backwards(
    hooks: Hooks, directory: ContactDirectory
) -> None:
    await directory.remember(REF)
    resp = await post_twilio(hooks, status("SM1", "delivered"))
    assert resp.status == 200
    assert resp.content_type == "text/xml"
    [event] = hooks.publisher.on("deliveries")
    assert event["status"] == "delivered"
    assert event["tenant_id"] == "acme"
    assert event["debtor_id"] == "d-1"
    assert event["contact_id"] == "c-1"
    assert event["provider"] == "twilio"
    assert [k for t, k, _ in hooks.publisher.records] == ["d-1"]
    # Same event again: deduplicated. An older status later: stale, not published.
    assert (await post_twilio(hooks, status("SM1", "delivered"))).status == 200
    resp = await post_twilio(hooks, status("SM1", "sent"))
    assert json.loads(resp.headers["X-Recaudo-Counts"])["stale"] == 1
    assert len(hooks.publisher.on("deliveries")) == 1


async def test_failed_publish_answers_503_and_the_retry_goes_through(
    hooks: Hooks, directory: ContactDirectory
) -> None:
    await directory.remember(REF)
    hooks.publisher.fail = True
    resp = await post_twilio(hooks, status("SM2", "undelivered", ("ErrorCode", "30003")))
    assert resp.status == 503
    assert (await resp.json())["error"]
    hooks.publisher.fail = False
    resp = await post_twilio(hooks, status("SM2", "undelivered", ("ErrorCode", "30003")))
    assert resp.status == 200
    [event] = hooks.publisher.on("deliveries")
    assert event["status"] == "undelivered"
    assert event["permanent"] is True
    assert event["provider_error_code"] == "30003"


async def test_inbound_stop_is_an_opt_out_matched_by_address(
    hooks: Hooks, directory: ContactDirectory
) -> None:
    await directory.remember(REF)
    params = [
        ("MessageSid", "SM9"),
        ("From", "+1 555 123 0001"),
        ("Body", "BAJA"),
        ("SmsStatus", "received"),
    ]
    assert (await post_twilio(hooks, params, ref=None)).status == 200
    params = [
        ("MessageSid", "SM10"),
        ("From", REF.address),
        ("Body", "pago mañana"),
        ("SmsStatus", "received"),
    ]
    assert (await post_twilio(hooks, params, ref=None)).status == 200
    first, second = hooks.publisher.on("responses")
    assert first["intent"] == "opt_out"
    assert first["channel"] == "sms"
    assert first["contact_id"] == "c-1"
    assert second["intent"] is None
    assert second["text"] == "pago mañana"


async def test_unmatched_status_goes_to_dead_letters(hooks: Hooks) -> None:
    resp = await post_twilio(hooks, status("SM404", "delivered"), ref="acme/unknown")
    assert resp.status == 200
    [letter] = hooks.publisher.on("dead-letters")
    assert letter["error_type"] == "UnmatchedWebhook"
    assert hooks.publisher.on("deliveries") == []


async def test_error_answers(hooks: Hooks) -> None:
    resp = await hooks.client.post("/webhooks/nope", data=b"{}")
    assert resp.status == 404
    assert "error" in await resp.json()
    resp = await hooks.client.post(
        "/webhooks/twilio", data=b"MessageSid=SM1", headers={"X-Twilio-Signature": "x"}
    )
    assert resp.status == 401
    resp = await hooks.client.post("/webhooks/meta", data=b"x" * (64 * 1024 + 1))
    assert resp.status == 413
    assert "error" in await resp.json()
    headers, body = signing.meta("meta-sandbox-secret", {"statuses": "not-a-list"})
    resp = await hooks.client.post("/webhooks/meta", data=body, headers=headers)
    assert resp.status == 200  # signed: acknowledged, kept as a dead letter saying why
    [letter] = hooks.publisher.on("dead-letters")
    assert "statuses" in str(letter["error"])


async def test_meta_get_handshake(hooks: Hooks) -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "meta-sandbox-verify",
        "hub.challenge": "42",
    }
    resp = await hooks.client.get("/webhooks/meta", params=query)
    assert resp.status == 200
    assert await resp.text() == "42"
    resp = await hooks.client.get("/webhooks/meta", params=query | {"hub.verify_token": "x"})
    assert resp.status == 403


async def test_mailgun_token_replay_is_refused(hooks: Hooks, directory: ContactDirectory) -> None:
    ref = REF.model_copy(
        update={"channel": Channel.EMAIL, "address": "d@example.com", "contact_id": "c-m"}
    )
    await directory.remember(ref)
    data = {
        "id": "ev-1",
        "event": "delivered",
        "timestamp": 1.0,
        "recipient": "d@example.com",
        "user-variables": {"rc_ref": ref.token},
        "message": {"headers": {"message-id": "m1"}},
    }
    headers, body = signing.mailgun("mailgun-sandbox-signing", data)
    hooks.publisher.fail = True  # a failed hand-off must not burn the token for the retry
    assert (await hooks.client.post("/webhooks/mailgun", data=body, headers=headers)).status == 503
    hooks.publisher.fail = False
    assert (await hooks.client.post("/webhooks/mailgun", data=body, headers=headers)).status == 200
    assert (await hooks.client.post("/webhooks/mailgun", data=body, headers=headers)).status == 401
    [event] = hooks.publisher.on("deliveries")
    assert event["channel"] == "email"
    assert event["status"] == "delivered"


@pytest.mark.parametrize(
    ("wamid_statuses", "published"),
    [
        (["read", "delivered", "sent"], ["read"]),
        (["sent", "delivered", "read"], ["sent", "delivered", "read"]),
    ],
)
async def test_meta_out_of_order_statuses(
    hooks: Hooks, directory: ContactDirectory, wamid_statuses: list[str], published: list[str]
) -> None:
    ref = REF.model_copy(update={"channel": Channel.WHATSAPP})
    await directory.remember(ref)
    for kind in wamid_statuses:
        value = {
            "statuses": [
                {
                    "id": "wamid.X",
                    "status": kind,
                    "timestamp": "1700000000",
                    "recipient_id": "15551230001",
                    "biz_opaque_callback_data": ref.token,
                }
            ]
        }
        headers, body = signing.meta("meta-sandbox-secret", value)
        assert (await hooks.client.post("/webhooks/meta", data=body, headers=headers)).status == 200
    assert [e["status"] for e in hooks.publisher.on("deliveries")] == published
