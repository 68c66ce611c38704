"""The whole contact loop on real parts: HTTP ingest -> worker -> provider (sandbox,
real wire format) -> signed delivery webhook -> broker -> decision stage; and an
inbound STOP through the signed webhook path suppressing the channel."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson
import pytest

from recaudo.stack import TENANT, Stack
from tests.integration.channels.conftest import post_event, suppressed, treated_debtor, until
from tests.integration.harness import Bus, Record, account_event, zone_with_local_hour

pytestmark = pytest.mark.integration
PHONE = "+14155550123"


async def test_contact_goes_out_through_the_provider_and_its_signed_receipts_come_back(
    stack: Stack,
) -> None:
    debtor = treated_debtor("loop-")
    event = account_event(debtor, tenant_id=TENANT, timezone=zone_with_local_hour(range(10, 19)))
    event["contact_points"] = [{"channel": "sms", "address": PHONE, "consent": True}]
    await post_event(stack, event)
    await until(lambda: any(m.to == PHONE for m in stack.sandbox.messages))
    [message] = [m for m in stack.sandbox.messages if m.to == PHONE]
    assert message.provider == "twilio"
    assert message.idempotency_key is not None

    async with Bus(stack.settings) as bus:
        records = await bus.collect(
            (bus.topics.deliveries,),
            lambda rs: any(r["status"] == "delivered" for r in rs if r["debtor_id"] == debtor),
        )
        receipts = [r for r in records if r["debtor_id"] == debtor]
        assert {r["contact_id"] for r in receipts} == {message.idempotency_key}
        assert "delivered" in {r["status"] for r in receipts}

        status = await stack.sandbox.inbound("twilio", PHONE, "STOP")
        assert status == 200

        def suppressed(rs: list[Record]) -> bool:
            return any(
                r["action"] == "suppress" and r["trigger_type"] == "response"
                for r in rs
                if r["debtor_id"] == debtor
            )

        decisions = await bus.collect((bus.topics.decisions,), suppressed)
    [stop] = [r for r in decisions if r["debtor_id"] == debtor and r["action"] == "suppress"]
    assert stop["reasons"][0]["rule_id"] == "suppress.opt_out"
    # The webhook path matched the legal opt-out word itself: the event says so.
    assert stop["reasons"][0]["params"] == {"channel": "sms", "source": "event"}

    # The timeline is committed after the broker acked the decision: poll briefly.
    timeline: list[Record] = []
    async with aiohttp.ClientSession() as http:
        for _ in range(50):
            url = f"{stack.web_url}/v1/debtors/{debtor}/timeline"
            async with http.get(url, headers=stack.auth) as resp:
                timeline = (await resp.json())["decisions"]
            if "suppress" in [d["action"] for d in timeline]:
                break
            await asyncio.sleep(0.2)
    assert [d["action"] for d in timeline][-1] == "contact"
    assert "suppress" in [d["action"] for d in timeline]
    # Redis pointed at the records and the web read them from the topic: the
    # full audit record (a compact entry has no options nor model versions).
    shown = {d["decision_id"]: d for d in timeline}
    assert shown[stop["decision_id"]] == {k: v for k, v in stop.items() if k != "_topic"}


async def test_forged_webhook_is_refused(stack: Stack) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{stack.web_url}/webhooks/twilio",
            data={"MessageSid": "SM1", "MessageStatus": "delivered"},
            headers={"X-Twilio-Signature": "forged"},
        ) as resp,
    ):
        assert resp.status == 401
        assert "error" in await resp.json()


async def test_a_refused_address_falls_back_to_the_next_channel_then_stops(stack: Stack) -> None:
    """Both addresses are refused by their provider at send (sandbox convention):
    the first channel's hard failure triggers the other channel, whose failure
    leaves nothing reachable, which is recorded, never retried blindly."""
    debtor = treated_debtor("fallback-")
    event = account_event(debtor, tenant_id=TENANT, timezone=zone_with_local_hour(range(10, 19)))
    event["contact_points"] = [
        {"channel": "sms", "address": "+14155550000", "consent": True},
        {"channel": "email", "address": f"invalid-{debtor}@example.com", "consent": True},
    ]
    await post_event(stack, event)

    ended = suppressed(debtor, "channel.none_reachable")

    async with Bus(stack.settings) as bus:
        records = await bus.collect((bus.topics.decisions,), ended, timeout_s=30)
    mine = [r for r in records if r["debtor_id"] == debtor]
    first, fallback = (r for r in mine if r["action"] == "contact")
    assert first["trigger_type"] == "account"
    assert fallback["trigger_type"] == "delivery"
    assert {first["channel"], fallback["channel"]} == {"sms", "email"}
    assert fallback["contact_id"] != first["contact_id"]
    assert mine[-1]["trigger_type"] == "delivery"


async def test_sms_email_and_whatsapp_carry_the_amount_and_a_tracked_link(stack: Stack) -> None:
    """Issue 10: the debtor receives the rendered text, in each channel's wire format,
    and a click on its payment link redirects and comes back as a ``clicked`` receipt."""
    addresses = {"sms": "+14155550142", "email": "ana.pay@example.com", "whatsapp": "+14155550143"}
    debtors = {ch: treated_debtor(f"content-{ch}-") for ch in addresses}
    async with aiohttp.ClientSession() as http:
        for channel, debtor in debtors.items():
            event = account_event(
                debtor, tenant_id=TENANT, timezone=zone_with_local_hour(range(10, 19))
            )
            event["contact_points"] = [
                {"channel": channel, "address": addresses[channel], "consent": True}
            ]
            event["debtor_name"] = "Ana"
            event["creditor_name"] = "Acme Bank"
            event["payment_reference"] = f"PR-{channel}"
            async with http.post(
                f"{stack.web_url}/v1/events", data=orjson.dumps(event), headers=stack.auth
            ) as resp:
                assert resp.status == 202, await resp.text()

    def norm(address: str) -> str:
        return address.removeprefix("whatsapp:").lstrip("+")

    wanted = {norm(a) for a in addresses.values()}
    await until(lambda: wanted <= {norm(m.to) for m in stack.sandbox.messages})
    sent = {m.channel: m for m in stack.sandbox.messages if norm(m.to) in wanted}
    pay = f"{stack.web_url}/pay/"
    for message in sent.values():
        assert "$100.00" in message.text  # 10_000 minor units of USD, en-US
        assert pay in message.text
        assert "Ana" in message.text
    assert "Reply STOP" in sent["sms"].text  # 12 CFR 1006.6(e), US debtor
    assert "$100.00" in (sent["email"].subject or "")
    assert "<strong>$100.00</strong>" in (sent["email"].html or "")
    assert sent["email"].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent["whatsapp"].text.startswith("[past_due_v1_en/en] Ana | $100.00 | Acme Bank")

    link = next(w for w in sent["sms"].text.split() if w.startswith(pay))
    async with aiohttp.ClientSession() as http:
        async with http.get(link, allow_redirects=False) as resp:
            # The stack has a payment provider: the debtor's own page, not a redirect.
            assert resp.status == 200
            assert resp.content_type == "text/html"
            page = await resp.text()
            assert "$100.00" in page
            assert "/checkout" in page
        async with http.get(link[:-2] + "xx", allow_redirects=False) as resp:
            assert resp.status == 404
    async with Bus(stack.settings) as bus:
        records = await bus.collect(
            (bus.topics.deliveries,),
            lambda rs: any(
                r["status"] == "clicked" and r["debtor_id"] == debtors["sms"] for r in rs
            ),
        )
    [click] = [r for r in records if r["status"] == "clicked" and r["debtor_id"] == debtors["sms"]]
    assert click["contact_id"] == sent["sms"].idempotency_key
    assert click["provider"] == "paylink"
