"""Signed but unusable webhooks are acknowledged once as dead letters; unsigned ones are
refused; a message id two tenants hold goes to neither (found by a hostile-payload sweep)."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass

import orjson
from cryptography.hazmat.primitives.asymmetric import ec

from recaudo.channels.credentials import ProviderCredentials
from recaudo.channels.dedupe import Deduper
from recaudo.channels.directory import ContactDirectory, ContactRef
from recaudo.channels.sandbox import signing
from recaudo.channels.status_machine import StatusMachine
from recaudo.channels.webhooks import build_verifiers
from recaudo.contracts.events import Channel
from recaudo.contracts.validators import skew_error
from tests.unit.channels.channels_testkit import FakePublisher, Hooks, start_hooks

META_SECRET = "meta-sandbox-secret"
TOKEN = "sandbox-twilio-token"
#: aiokafka's default ``max_request_size``: a record over it is never stored.
RECORD_MAX = 1 << 20


def ref(tenant: str) -> ContactRef:
    return ContactRef(
        tenant_id=tenant,
        contact_id=f"c-{tenant}",
        debtor_id=f"d-{tenant}",
        channel=Channel.SMS,
        address="+15551230001",
    )


async def test_a_signed_body_that_cannot_be_parsed_is_one_dead_letter_and_a_2xx(
    hooks: Hooks,
) -> None:
    headers, body = signing.meta(META_SECRET, {"statuses": "not-a-list"})
    first = await hooks.client.post("/webhooks/meta", data=body, headers=headers)
    assert first.status == 200
    assert json.loads(first.headers["X-Recaudo-Counts"])["invalid"] == 1
    [letter] = hooks.publisher.on("dead-letters")
    assert letter["error_type"] == "InvalidWebhook"
    assert "statuses" in str(letter["error"])
    assert letter["source_topic"] == "webhooks/meta"
    # The provider's retry (or a replay) is recognised: no second letter.
    again = await hooks.client.post("/webhooks/meta", data=body, headers=headers)
    assert again.status == 200
    assert json.loads(again.headers["X-Recaudo-Counts"])["duplicates"] == 1
    assert len(hooks.publisher.on("dead-letters")) == 1


async def test_a_body_that_holds_no_readable_signature_is_refused_as_unsigned(
    hooks: Hooks,
) -> None:
    for provider in ("mailgun", "vonage"):
        resp = await hooks.client.post(
            f"/webhooks/{provider}", data=b"\xff not json", headers={"Content-Type": "text/plain"}
        )
        assert resp.status == 401, provider
    resp = await hooks.client.post("/webhooks/mailgun", data=b"[1, 2]")
    assert resp.status == 401
    assert hooks.publisher.records == []


async def test_a_message_id_held_by_two_tenants_lands_on_neither(
    hooks: Hooks, directory: ContactDirectory
) -> None:
    for tenant in ("acme", "globex"):
        await directory.remember(ref(tenant))
        await directory.remember_message("twilio", "SM-SHARED", ref(tenant))
    params = [("MessageSid", "SM-SHARED"), ("MessageStatus", "delivered")]
    headers, body = signing.twilio(TOKEN, hooks.base_url + "/webhooks/twilio", params)
    resp = await hooks.client.post("/webhooks/twilio", data=body, headers=headers)
    assert resp.status == 200
    assert hooks.publisher.on("deliveries") == []
    [letter] = hooks.publisher.on("dead-letters")
    assert letter["error_type"] == "AmbiguousMessageId"
    assert "acme/d-acme" in str(letter["error"])
    assert "globex/d-globex" in str(letter["error"])
    assert await directory.by_message("twilio", "SM-SHARED") is None


@dataclass
class BoundedPublisher(FakePublisher):
    """The broker's record limit, which the in-memory publisher does not have."""

    async def publish(self, topic: str, key: str, value: bytes) -> None:
        if len(value) + len(key) > RECORD_MAX:
            raise OSError("MessageSizeTooLargeError")
        await super().publish(topic, key, value)


async def test_a_dead_letter_for_a_huge_signed_request_fits_one_broker_record(
    sandbox_creds: tuple[ProviderCredentials, ec.EllipticCurvePrivateKey],
    deduper: Deduper,
    machine: StatusMachine,
    directory: ContactDirectory,
) -> None:
    publisher = BoundedPublisher()
    hooks = await start_hooks(
        build_verifiers(sandbox_creds[0]), publisher, deduper, machine, directory, RECORD_MAX
    )
    try:
        # A 900 kB message id that matches no contact: once a 1.8 MB letter, a 503
        # for ever (the id in its key and reason and the body beside them).
        params = [("MessageSid", "S" * 900_000), ("MessageStatus", "delivered")]
        headers, body = signing.twilio(TOKEN, hooks.base_url + "/webhooks/twilio", params)
        resp = await hooks.client.post("/webhooks/twilio", data=body, headers=headers)
        assert resp.status == 200
        [letter] = publisher.on("dead-letters")
        assert letter["error_type"] == "UnmatchedWebhook"
        assert "body cut" in str(letter["error"])
        assert len(orjson.dumps(letter)) < RECORD_MAX // 2
    finally:
        await hooks.client.close()


async def test_a_provider_clock_ahead_of_ours_never_loses_a_stop_or_a_receipt(
    hooks: Hooks, directory: ContactDirectory
) -> None:
    """A provider's timestamp a day in our future is dated at our receipt: the
    decision stage refuses events more than its skew in the future, so the STOP
    would be a dead letter and the status machine ahead of the debtor's state."""
    whatsapp = ref("acme").model_copy(update={"channel": Channel.WHATSAPP})
    await directory.remember(whatsapp)
    ahead = str(int(time.time()) + 86_400)
    value = {
        "messages": [
            {
                "from": whatsapp.address.lstrip("+"),
                "id": "wamid.stop",
                "type": "text",
                "text": {"body": "STOP"},
                "timestamp": ahead,
            }
        ],
        "statuses": [
            {
                "id": "wamid.sent",
                "status": "delivered",
                "timestamp": ahead,
                "recipient_id": whatsapp.address.lstrip("+"),
                "biz_opaque_callback_data": whatsapp.token,
            }
        ],
    }
    headers, body = signing.meta(META_SECRET, value)
    before = dt.datetime.now(dt.UTC)
    resp = await hooks.client.post("/webhooks/meta", data=body, headers=headers)
    after = dt.datetime.now(dt.UTC)
    assert resp.status == 200
    [stop] = hooks.publisher.on("responses")
    [delivered] = hooks.publisher.on("deliveries")
    assert stop["intent"] == "opt_out"
    for event in (stop, delivered):
        at = dt.datetime.fromisoformat(str(event["occurred_at"]))
        assert before <= at <= after
        assert skew_error(at, after, 300, 0) is None
    # A timestamp in our past is the provider's, kept as it is.
    read = {
        "id": "wamid.sent",
        "status": "read",
        "timestamp": "1700000000",
        "biz_opaque_callback_data": whatsapp.token,
    }
    headers, body = signing.meta(META_SECRET, {"statuses": [read]})
    assert (await hooks.client.post("/webhooks/meta", data=body, headers=headers)).status == 200
    kept = hooks.publisher.on("deliveries")[-1]["occurred_at"]
    assert dt.datetime.fromisoformat(str(kept)) == dt.datetime.fromtimestamp(1700000000, dt.UTC)
