"""The whole contact loop on real parts: HTTP ingest -> worker -> provider (sandbox,
real wire format) -> signed delivery webhook -> broker -> decision stage; and an
inbound STOP through the signed webhook path suppressing the channel."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import orjson
import pytest
import redis

from recaudo.rules.policy import default_policy
from recaudo.stack import TENANT, Stack, local_stack
from tests.integration.harness import Bus, Record, account_event, zone_with_local_hour

pytestmark = pytest.mark.integration
PHONE = "+14155550123"


@pytest.fixture(scope="module")
async def stack() -> AsyncIterator[Stack]:
    async with local_stack() as running:
        yield running
    # What the demo runs on leaves nothing behind: no Redis, no work folder.
    assert not running.workdir.exists()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(running.settings.redis_url, socket_connect_timeout=1).ping()


def treated_debtor(prefix: str) -> str:
    """A debtor outside the default policy's holdout (the control group gets no contact)."""
    policy = default_policy()
    return next(
        f"{prefix}{i}" for i in range(100) if not policy.assign(TENANT, f"{prefix}{i}").holdout
    )


async def until(check: Callable[[], bool], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


async def test_contact_goes_out_through_the_provider_and_its_signed_receipts_come_back(
    stack: Stack,
) -> None:
    debtor = treated_debtor("loop-")
    event = account_event(debtor, tenant_id=TENANT, timezone=zone_with_local_hour(range(10, 19)))
    event["contact_points"] = [{"channel": "sms", "address": PHONE, "consent": True}]
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{stack.web_url}/v1/events", data=orjson.dumps(event), headers=stack.auth
        ) as resp,
    ):
        assert resp.status == 202, await resp.text()
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

    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{stack.web_url}/v1/debtors/{debtor}/timeline", headers=stack.auth) as resp,
    ):
        timeline = (await resp.json())["decisions"]
    assert [d["action"] for d in timeline][-1] == "contact"
    assert "suppress" in [d["action"] for d in timeline]


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
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{stack.web_url}/v1/events", data=orjson.dumps(event), headers=stack.auth
        ) as resp,
    ):
        assert resp.status == 202

    def ended(rs: list[Record]) -> bool:
        return any(
            r["action"] == "suppress" and r["reasons"][0]["rule_id"] == "channel.none_reachable"
            for r in rs
            if r["debtor_id"] == debtor
        )

    async with Bus(stack.settings) as bus:
        records = await bus.collect((bus.topics.decisions,), ended, timeout_s=30)
    mine = [r for r in records if r["debtor_id"] == debtor]
    first, fallback = (r for r in mine if r["action"] == "contact")
    assert first["trigger_type"] == "account"
    assert fallback["trigger_type"] == "delivery"
    assert {first["channel"], fallback["channel"]} == {"sms", "email"}
    assert fallback["contact_id"] != first["contact_id"]
    assert mine[-1]["trigger_type"] == "delivery"
