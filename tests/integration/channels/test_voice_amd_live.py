"""Voicemail on the live stack (issue 26): the worker places the call with Twilio's
answering-machine detection and keeps its scripts in Redis; the sandbox answers as
a person or a machine and asks the web's signed answer route what to play.

12 CFR 1006.2(j): a machine hears only the limited-content message, never the
debt; a person hears the full message; where the tenant forbids voicemail
(``voicemail_allowed = false``) a machine gets a hang-up; an unsigned answer
request learns nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest

from recaudo.channels.sandbox import SentMessage
from recaudo.stack import TENANT, Stack, local_stack
from tests.integration.channels.conftest import (
    cadence_policies,
    post_event,
    treated_debtor,
    until,
)
from tests.integration.harness import account_event, zone_with_local_hour

pytestmark = pytest.mark.integration
HANGUP = "<Response><Hangup/></Response>"


def texas_forbids_voicemail(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The static cadence, with voicemail forbidden in Texas (a tenant's choice)."""
    folder = cadence_policies(tmp_path_factory)
    policy = Path(folder) / f"{TENANT}.toml"
    texas = '\n[jurisdictions."US-TX"]\nvoicemail_allowed = false\n'
    policy.write_text(policy.read_text(encoding="utf-8") + texas, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with local_stack(policy_dir=texas_forbids_voicemail(tmp_path_factory)) as running:
        yield running


async def call(stack: Stack, prefix: str, phone: str, jurisdiction: str) -> SentMessage:
    """A debtor 21 days past due reachable only by voice; the call once it played."""
    debtor = treated_debtor(prefix)
    event = account_event(debtor, tenant_id=TENANT, timezone=zone_with_local_hour(range(10, 19)))
    event["jurisdiction"] = jurisdiction
    event["contact_points"] = [{"channel": "voice", "address": phone, "consent": True}]
    await post_event(stack, event)
    await until(lambda: any(m.to == phone and "AnsweredBy" in m.headers for m in calls(stack)))
    [placed] = [m for m in calls(stack) if m.to == phone]
    return placed


def calls(stack: Stack) -> list[SentMessage]:
    return [m for m in stack.sandbox.messages if m.channel == "voice"]


async def test_a_machine_hears_only_the_limited_content_message(stack: Stack) -> None:
    placed = await call(stack, "vm-machine-", "+14155552222", "US")
    assert placed.provider == "twilio"
    assert placed.headers["AnsweredBy"] == "machine_end_beep"
    # Business name (the policy's sender entity in the US) and a number to call back
    # (the caller's): nothing of the debt or its amount.
    assert placed.text == (
        '<Response><Say language="en-US">Hello, this is Recaudo Demo USA. '
        "Please call Recaudo Demo USA back at +15005550006.</Say></Response>"
    )
    for word in ("payment", "due", "debt", "$", "100.00", "balance"):
        assert word not in placed.text.lower()


async def test_a_person_hears_the_full_message(stack: Stack) -> None:
    placed = await call(stack, "vm-person-", "+14155557788", "US")
    assert placed.headers["AnsweredBy"] == "human"
    assert "payment of" in placed.text
    assert "was due on" in placed.text


async def test_voicemail_forbidden_there_hangs_up_on_the_machine(stack: Stack) -> None:
    stack.sandbox.answerers["+14155553434"] = "machine"
    placed = await call(stack, "vm-texas-", "+14155553434", "US-TX")
    assert placed.headers["AnsweredBy"] == "machine_end_beep"
    assert placed.text == HANGUP


async def test_an_unsigned_answer_request_learns_nothing(stack: Stack) -> None:
    placed = await call(stack, "vm-forged-", "+14155559898", "US")
    assert placed.ref is not None
    url = f"{stack.web_url}/voice/twilio/answer?ref={quote(placed.ref, safe='/:@')}"
    form = {"CallSid": placed.message_id, "AnsweredBy": "human", "To": placed.to}
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Twilio-Signature": "forged"}):
            async with http.post(url, data=form, headers=headers) as resp:
                assert resp.status == 403
                body = await resp.text()
                assert "payment" not in body
                assert "<Say" not in body
