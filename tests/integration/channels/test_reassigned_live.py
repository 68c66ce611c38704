"""Reassigned numbers on the live stack (issue 26, part 7): before texting a number the
worker asks the Reassigned Numbers Database (the sandbox, speaking its API over
HTTP) whether it was permanently disconnected since the debtor's consent.

47 CFR 64.1200(m), FCC DA 21-1649: a number disconnected since consent is not
texted or called; the decision stage audits ``suppress.reassigned_number`` and
falls back to another channel. A number disconnected before the consent, or
never, is texted.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import aiohttp
import pytest

from recaudo.stack import TENANT, Stack
from tests.integration.channels.conftest import post_event, suppressed, treated_debtor, until
from tests.integration.harness import Bus, Record, account_event, zone_with_local_hour

pytestmark = pytest.mark.integration
CONSENT = "2024-03-01"
GONE = "+14155550171"
KEPT = "+14155550172"


async def post(stack: Stack, debtor: str, points: list[Record]) -> None:
    event = account_event(debtor, tenant_id=TENANT, timezone=zone_with_local_hour(range(10, 19)))
    event["contact_points"] = points
    await post_event(stack, event)


async def timeline(stack: Stack, debtor: str, rule_id: str) -> list[Record]:
    """The debtor's timeline once it shows ``rule_id`` (committed after the broker acked)."""
    shown: list[Record] = []
    async with aiohttp.ClientSession() as http:
        for _ in range(50):
            url = f"{stack.web_url}/v1/debtors/{debtor}/timeline"
            async with http.get(url, headers=stack.auth) as resp:
                shown = (await resp.json())["decisions"]
            if any(r["rule_id"] == rule_id for d in shown for r in d["reasons"]):
                break
            await asyncio.sleep(0.2)
    return shown


async def test_a_number_disconnected_since_consent_is_never_texted(stack: Stack) -> None:
    debtor = treated_debtor("rnd-gone-")
    stack.sandbox.rnd.disconnect(GONE, dt.date(2025, 1, 20))
    email = f"{debtor}@example.com"
    await post(
        stack,
        debtor,
        [
            {"channel": "sms", "address": GONE, "consent": True, "consent_date": CONSENT},
            {"channel": "voice", "address": GONE, "consent": True, "consent_date": CONSENT},
            {"channel": "email", "address": email, "consent": True},
        ],
    )

    audited = suppressed(debtor, "suppress.reassigned_number")

    async with Bus(stack.settings) as bus:
        records = await bus.collect((bus.topics.decisions,), audited, timeout_s=40)
    mine = [r for r in records if r["debtor_id"] == debtor]
    [texted] = [r for r in mine if r["action"] == "contact" and r["trigger_type"] == "account"]
    assert texted["channel"] == "sms"
    [stop] = [r for r in mine if r["action"] == "suppress"]
    assert stop["trigger_type"] == "delivery"
    assert stop["contact_id"] == texted["contact_id"]
    [reason] = stop["reasons"]
    assert reason["params"] == {"channel": "sms", "consent_date": CONSENT}
    assert "64.1200" in reason["citation"]
    assert {"tn": "4155550171", "date": CONSENT} in stack.sandbox.rnd.queries

    # The fallback goes by e-mail; the number is neither texted nor called.
    await until(lambda: any(m.to == email for m in stack.sandbox.messages), 30)
    assert [m for m in stack.sandbox.messages if m.to == GONE] == []

    shown = await timeline(stack, debtor, "suppress.reassigned_number")
    by_id = {d["decision_id"]: d for d in shown}
    assert by_id[stop["decision_id"]]["reasons"][0]["rule_id"] == "suppress.reassigned_number"


async def test_a_number_disconnected_only_before_consent_is_texted(stack: Stack) -> None:
    debtor = treated_debtor("rnd-kept-")
    # Disconnected, then reassigned to our debtor, who consented after.
    stack.sandbox.rnd.disconnect(KEPT, dt.date(2023, 6, 1))
    point = {"channel": "sms", "address": KEPT, "consent": True, "consent_date": CONSENT}
    await post(stack, debtor, [point])
    await until(lambda: any(m.to == KEPT for m in stack.sandbox.messages), 30)
    [message] = [m for m in stack.sandbox.messages if m.to == KEPT]
    assert message.provider == "twilio"
    assert {"tn": "4155550172", "date": CONSENT} in stack.sandbox.rnd.queries
