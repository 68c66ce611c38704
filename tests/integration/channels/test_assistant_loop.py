"""The reply assistant on real parts: a debtor's reply arrives as a signed provider
webhook, the worker reads it and the answer leaves through the same provider
and channel, rendered, with its decision on the audit topic; a request for a
person becomes a task that pauses the answers until a collector closes it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import orjson
import pytest

from recaudo.channels.sandbox.core import SentMessage
from recaudo.stack import TENANT, Stack
from tests.integration.channels.conftest import treated_debtor, until
from tests.integration.harness import Bus, Record, account_event, zone_with_local_hour

pytestmark = pytest.mark.integration


def norm(address: str) -> str:
    return address.removeprefix("whatsapp:").lstrip("+")


def to(stack: Stack, phone: str) -> list[SentMessage]:
    return [m for m in stack.sandbox.messages if norm(m.to) == norm(phone)]


async def enrol(
    stack: Stack, debtor: str, channel: str, phone: str, days_past_due: int = 21
) -> None:
    zone = zone_with_local_hour(range(10, 19))
    event = account_event(debtor, tenant_id=TENANT, timezone=zone, days_past_due=days_past_due)
    event["contact_points"] = [{"channel": channel, "address": phone, "consent": True}]
    event["debtor_name"] = "Ana"
    event["creditor_name"] = "Acme Bank"
    before = len(to(stack, phone))
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{stack.web_url}/v1/events", data=orjson.dumps(event), headers=stack.auth) as r,
    ):
        assert r.status == 202, await r.text()
    if before == 0:
        await until(lambda: len(to(stack, phone)) == 1)


async def ask(stack: Stack, provider: str, phone: str, text: str) -> SentMessage:
    """Send ``text`` as the debtor and wait for the answer."""
    before = len(to(stack, phone))
    assert await stack.sandbox.inbound(provider, phone, text) == 200
    await until(lambda: len(to(stack, phone)) > before)
    return to(stack, phone)[-1]


async def open_tasks(stack: Stack, debtor: str) -> list[Record]:
    """The debtor's open tasks once there is one (up to 10 s): the answer's contact
    command is published before its batch's commit opens the task (decision_stage.py,
    commit), so the answer can reach the provider before the task is in Redis."""
    tasks: list[Record] = []
    async with aiohttp.ClientSession() as http:
        url = f"{stack.web_url}/v1/tasks?debtor_id={debtor}"
        for _ in range(100):
            async with http.get(url, headers=stack.auth) as r:
                assert r.status == 200, await r.text()
                tasks = (await r.json())["tasks"]
            if tasks:
                break
            await asyncio.sleep(0.1)
    return tasks


async def test_sms_replies_are_answered_and_a_person_takes_over_until_the_task_closes(
    stack: Stack,
) -> None:
    debtor, phone = treated_debtor("assist-sms-"), "+14155550161"
    await enrol(stack, debtor, "sms", phone)

    balance = await ask(stack, "twilio", phone, "how much do I owe?")
    assert (balance.provider, balance.channel) == ("twilio", "sms")
    assert "your balance due is $100.00" in balance.text
    assert "Reply STOP" in balance.text

    promise = await ask(stack, "twilio", phone, "I'll pay $50 on Friday")
    assert "We recorded your promise to pay $50.00" in promise.text

    handoff = await ask(stack, "twilio", phone, "I want to talk to a person")
    assert "A person from our team will review your case" in handoff.text
    [task] = await open_tasks(stack, debtor)
    assert task["kind"] == "human"

    # Paused: a question now gets no automatic answer, and the audit says why.
    assert await stack.sandbox.inbound("twilio", phone, "balance") == 200
    async with Bus(stack.settings) as bus:
        await bus.collect(
            (bus.topics.decisions,),
            lambda rs: any(
                r["debtor_id"] == debtor and r["reasons"][0]["rule_id"] == "task.open" for r in rs
            ),
        )
    sent = len(to(stack, phone))

    async with aiohttp.ClientSession() as http:
        body = orjson.dumps({"resolution": "resolved", "closed_by": "agent-1"})
        url = f"{stack.web_url}/v1/tasks/{task['task_id']}/close"
        async with http.post(url, data=body, headers=stack.auth) as r:
            assert r.status == 200, await r.text()
    assert len(to(stack, phone)) == sent

    def more_than(count: int) -> Callable[[], bool]:
        return lambda: len(to(stack, phone)) > count

    async def answered_after_close() -> SentMessage:
        # The close reaches the decide stage as an event; retry until it has.
        for n in range(40):
            before = len(to(stack, phone))
            assert await stack.sandbox.inbound("twilio", phone, f"link please {n}") == 200
            try:
                await until(more_than(before), timeout_s=1.5)
            except AssertionError:
                continue
            return to(stack, phone)[-1]
        raise AssertionError("automation did not resume after the close")

    link = await answered_after_close()
    assert f"{stack.web_url}/pay/" in link.text


async def test_a_whatsapp_reply_is_answered_on_whatsapp_with_its_audit(stack: Stack) -> None:
    debtor, phone = treated_debtor("assist-wa-"), "+14155550162"
    await enrol(stack, debtor, "whatsapp", phone)
    answer = await ask(stack, "meta", phone, "can I pay in installments?")
    assert (answer.provider, answer.channel) == ("meta", "whatsapp")
    assert "2 payments of $50.00" in answer.text

    async with Bus(stack.settings) as bus:
        records: list[Record] = await bus.collect(
            (bus.topics.decisions,),
            lambda rs: any(
                r["debtor_id"] == debtor and r["trigger_type"] == "response" for r in rs
            ),
        )
    [decision] = [
        r for r in records if r["debtor_id"] == debtor and r["trigger_type"] == "response"
    ]
    assert decision["action"] == "contact"
    assert decision["channel"] == "whatsapp"
    assert decision["contact_id"] == answer.idempotency_key
    rules = [r["rule_id"] for r in decision["reasons"]]
    assert "assistant.reply" in rules
    assert "caps.consumer_initiated" in rules
    assert "us.reg_f.inconvenient_time" in rules  # the window still judged the answer


async def test_closing_a_task_sends_the_held_cadence_step_without_another_event(
    stack: Stack,
) -> None:
    debtor, phone = treated_debtor("assist-close-"), "+14155550163"
    await enrol(stack, debtor, "sms", phone)
    await ask(stack, "twilio", phone, "I want to talk to a person")
    [task] = await open_tasks(stack, debtor)

    # A new delinquency cycle while a person has the case: its step is held.
    await enrol(stack, debtor, "sms", phone, days_past_due=35)
    async with Bus(stack.settings) as bus:
        await bus.collect(
            (bus.topics.decisions,),
            lambda rs: any(
                r["debtor_id"] == debtor
                and r["trigger_type"] == "account"
                and r["reasons"][0]["rule_id"] == "task.open"
                for r in rs
            ),
        )
    sent = len(to(stack, phone))

    async with aiohttp.ClientSession() as http:
        body = orjson.dumps({"resolution": "resolved", "closed_by": "agent-1"})
        url = f"{stack.web_url}/v1/tasks/{task['task_id']}/close"
        async with http.post(url, data=body, headers=stack.auth) as r:
            assert r.status == 200, await r.text()
    # No reply, no account event: the close itself re-proposes the step.
    await until(lambda: len(to(stack, phone)) > sent)
    message = to(stack, phone)[-1]

    async with Bus(stack.settings) as bus:
        records = await bus.collect(
            (bus.topics.decisions,),
            lambda rs: any(
                r["debtor_id"] == debtor and r["trigger_type"] == "task_closed" for r in rs
            ),
        )
    [decision] = [
        r for r in records if r["debtor_id"] == debtor and r["trigger_type"] == "task_closed"
    ]
    assert decision["action"] == "contact"
    assert decision["reasons"][0]["rule_id"] == "task.closed"
    assert decision["contact_id"] == message.idempotency_key
