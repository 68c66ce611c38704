"""A reply never crosses tenants, even when two lenders' debtors share a number."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from recaudo.channels.credentials import ProviderCredentials
from recaudo.channels.dedupe import Deduper
from recaudo.channels.directory import ContactDirectory, ContactRef
from recaudo.channels.sandbox import signing
from recaudo.channels.status_machine import StatusMachine
from recaudo.channels.webhooks import build_verifiers
from recaudo.contracts.events import Channel
from recaudo.foundation.keys import Keys
from tests.unit.channels.channels_testkit import FakePublisher, Hooks, start_hooks

TOKEN = "sandbox-twilio-token"
SHARED = "+15551230001"
ACME_NUMBER, GLOBEX_NUMBER = "+15550000001", "+15550000002"


def ref(tenant: str, debtor: str) -> ContactRef:
    return ContactRef(
        tenant_id=tenant,
        contact_id=f"c-{tenant}",
        debtor_id=debtor,
        account_id="a-1",
        channel=Channel.SMS,
        address=SHARED,
        language="en",
        provider="twilio",
    )


async def _hooks(
    redis_client: aioredis.Redis,
    keys: Keys,
    creds: ProviderCredentials,
    senders: dict[str, str] | None,
) -> Hooks:
    directory = ContactDirectory(redis_client, keys, 600, senders)
    # Acme wrote first, Globex last: a shared index would hand every reply to Globex.
    await directory.remember(ref("acme", "d-acme"))
    await directory.remember(ref("globex", "d-globex"))
    return await start_hooks(
        build_verifiers(creds),
        FakePublisher(),
        Deduper(redis_client, keys, 600),
        StatusMachine(redis_client, keys, 600),
        directory,
    )


@pytest.fixture
async def routed(
    redis_client: aioredis.Redis, keys: Keys, sandbox_creds: tuple[ProviderCredentials, object]
) -> AsyncIterator[Hooks]:
    senders = {ACME_NUMBER: "acme", GLOBEX_NUMBER: "globex"}
    hooks = await _hooks(redis_client, keys, sandbox_creds[0], senders)
    yield hooks
    await hooks.client.close()


@pytest.fixture
async def shared_sender(
    redis_client: aioredis.Redis, keys: Keys, sandbox_creds: tuple[ProviderCredentials, object]
) -> AsyncIterator[Hooks]:
    hooks = await _hooks(redis_client, keys, sandbox_creds[0], None)
    yield hooks
    await hooks.client.close()


async def inbound(hooks: Hooks, sid: str, body: str, to: str = ACME_NUMBER) -> int:
    params = [("MessageSid", sid), ("From", SHARED), ("To", to), ("Body", body)]
    params.append(("SmsStatus", "received"))
    headers, data = signing.twilio(TOKEN, hooks.base_url + "/webhooks/twilio", params)
    resp = await hooks.client.post("/webhooks/twilio", data=data, headers=headers)
    return resp.status


async def test_stop_reaches_only_the_tenant_whose_number_was_answered(routed: Hooks) -> None:
    assert await inbound(routed, "SM1", "STOP", to=ACME_NUMBER) == 200
    [response] = routed.publisher.on("responses")
    assert (response["tenant_id"], response["debtor_id"]) == ("acme", "d-acme")
    assert response["intent"] == "opt_out"
    assert await inbound(routed, "SM2", "I will pay friday", to=GLOBEX_NUMBER) == 200
    second = routed.publisher.on("responses")[1]
    assert (second["tenant_id"], second["debtor_id"]) == ("globex", "d-globex")


async def test_ambiguous_legal_reply_applies_to_every_debtor_and_is_audited(
    shared_sender: Hooks,
) -> None:
    assert await inbound(shared_sender, "SM3", "STOP") == 200
    got = {
        (r["tenant_id"], r["debtor_id"], r["intent"])
        for r in shared_sender.publisher.on("responses")
    }
    assert got == {("acme", "d-acme", "opt_out"), ("globex", "d-globex", "opt_out")}
    [audit] = shared_sender.publisher.on("dead-letters")
    assert audit["error_type"] == "AmbiguousReplyAppliedToAll"
    assert await inbound(shared_sender, "SM4", "this is not my debt, I dispute it") == 200
    disputes = [r for r in shared_sender.publisher.on("responses") if r["intent"] == "dispute"]
    assert {r["tenant_id"] for r in disputes} == {"acme", "globex"}


async def test_ambiguous_ordinary_reply_is_not_guessed(shared_sender: Hooks) -> None:
    assert await inbound(shared_sender, "SM5", "I will pay friday") == 200
    assert shared_sender.publisher.on("responses") == []
    [letter] = shared_sender.publisher.on("dead-letters")
    assert letter["error_type"] == "AmbiguousReply"


async def test_address_index_keys_carry_the_tenant(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    directory = ContactDirectory(redis_client, keys, 600)
    acme = ref("acme", "d-acme")
    await directory.remember(acme)
    await directory.remember_message("twilio", "SM-1", acme)
    found = [k.decode() async for k in redis_client.scan_iter(match=f"{keys.prefix}:*")]
    data = [k for k in found if k != f"{keys.prefix}:directory:tenants"]
    assert len(data) == 3, data  # the debtor's contacts hash, the address and message-id indexes
    assert all(k.startswith(f"{keys.prefix}:acme:") for k in data)
    assert await directory.by_message("twilio", "SM-1") == acme


async def test_whatsapp_reply_is_routed_by_the_business_number_written_to(
    redis_client: aioredis.Redis, keys: Keys, sandbox_creds: tuple[ProviderCredentials, object]
) -> None:
    senders = {ACME_NUMBER: "acme", GLOBEX_NUMBER: "globex"}
    directory = ContactDirectory(redis_client, keys, 600, senders)
    for tenant in ("acme", "globex"):
        contact = ref(tenant, f"d-{tenant}").model_copy(update={"channel": Channel.WHATSAPP})
        await directory.remember(contact)
    hooks = await start_hooks(
        build_verifiers(sandbox_creds[0]),
        FakePublisher(),
        Deduper(redis_client, keys, 600),
        StatusMachine(redis_client, keys, 600),
        directory,
    )
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": GLOBEX_NUMBER.lstrip("+"), "phone_number_id": "1"},
        "messages": [
            {"from": SHARED.lstrip("+"), "id": "wamid.1", "type": "text", "text": {"body": "STOP"}}
        ],
    }
    headers, body = signing.meta("meta-sandbox-secret", value)
    resp = await hooks.client.post("/webhooks/meta", data=body, headers=headers)
    await hooks.client.close()
    assert resp.status == 200
    [response] = hooks.publisher.on("responses")
    assert (response["tenant_id"], response["intent"]) == ("globex", "opt_out")
