"""Answering-machine detection decides what a call plays (issue 26, part 2).

12 CFR 1006.2(j): a voicemail left for the consumer that holds only the
required content (business name, request to reply, names, telephone number)
is a limited-content message; anything more on a tape a third party may hear
is a communication about the debt. So a machine gets the limited-content
message only, a person the full message.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from recaudo.channels.providers.twilio import TwilioProvider
from recaudo.channels.sandbox import Sandbox, sandbox_credentials
from recaudo.channels.voice.amd import (
    ANSWER_PATH,
    TWILIO_ANSWERED_BY,
    VONAGE_STATUS,
    Answered,
    ScriptStore,
    VoiceAnswers,
    VoiceScripts,
    limited_content_message,
    script_for,
)
from recaudo.channels.voice.answer import twilio_answer
from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import ContactCommand, MessageContent
from recaudo.foundation.keys import Keys

NOW = dt.datetime(2025, 6, 10, 16, 0, tzinfo=dt.UTC)
FULL = "Su cuenta 123 tiene un saldo vencido de 1.200 pesos."
SCRIPTS = VoiceScripts(FULL, "Hola, le llama Recaudo Demo.", "es-MX")


def test_every_twilio_answer_maps_and_only_a_person_hears_the_debt() -> None:
    assert set(TWILIO_ANSWERED_BY) == {
        "human",
        "machine_start",
        "machine_end_beep",
        "machine_end_silence",
        "machine_end_other",
        "fax",
        "unknown",
    }
    heard = {v: script_for(a, SCRIPTS) for v, a in TWILIO_ANSWERED_BY.items()}
    assert [v for v, text in heard.items() if text == FULL] == ["human"]
    assert heard["fax"] is None
    assert heard["unknown"] == SCRIPTS.limited
    assert VONAGE_STATUS["machine"] is Answered.MACHINE


def test_no_voicemail_policy_hangs_up_on_a_machine() -> None:
    scripts = VoiceScripts(FULL, None, "es-MX")
    assert script_for(Answered.MACHINE, scripts) is None
    assert script_for(Answered.HUMAN, scripts) == FULL


def test_limited_content_message_holds_only_the_required_content() -> None:
    text = limited_content_message("Recaudo Demo", "Ana", "+18005551212", "en-US")
    assert text == "Hello, this is Recaudo Demo. Please call Ana back at +18005551212."
    for word in ("debt", "balance", "collect", "$"):
        assert word not in text.lower()


def command(address: str) -> ContactCommand:
    content = MessageContent(
        template_id="past_due/es-MX/voice", template_version="1", language="es-MX", text=FULL
    )
    return ContactCommand.model_validate(
        {
            "contact_id": f"c-{address[-4:]}",
            "tenant_id": "acme",
            "debtor_id": "d-7",
            "account_id": "a-7",
            "channel": Channel.VOICE,
            "address": address,
            "template": "past_due",
            "language": "es-MX",
            "send_at": NOW,
            "expires_at": NOW + dt.timedelta(hours=2),
            "strategy": "default",
            "arm": "champion",
            "decision_id": "dec-1",
            "trigger_event_id": "ev-1",
            "content": content,
        }
    )


async def machine_text(command: ContactCommand, caller: str) -> str | None:
    return f"Hola, le llama Recaudo Demo. Llame a Ana al {caller}."


@pytest.fixture
async def answered(
    redis_client: aioredis.Redis, keys: Keys
) -> AsyncIterator[tuple[Sandbox, TwilioProvider]]:
    creds, key = sandbox_credentials()
    assert creds.twilio is not None
    store = ScriptStore(redis_client, keys)
    # Our public URL is signed by Twilio, so the handler needs it before the server starts.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    ours = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = web.Application()
    token = creds.twilio.auth_token.get_secret_value()
    app.router.add_post(ANSWER_PATH, twilio_answer(store, token, ours, 10.0))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    answers = VoiceAnswers(store, machine_text)
    async with Sandbox(creds, sendgrid_private_key=key) as sandbox, aiohttp.ClientSession() as s:
        provider = TwilioProvider(
            s, creds.twilio, base_url=sandbox.url, webhook_base_url=ours, voice_answers=answers
        )
        yield sandbox, provider
    await runner.cleanup()


async def test_machine_hears_only_the_limited_content_message(
    answered: tuple[Sandbox, TwilioProvider],
) -> None:
    sandbox, provider = answered
    await provider.send(command("+525512342222"))
    await sandbox.drain()
    [call] = sandbox.messages
    assert call.headers["AnsweredBy"] == "machine_end_beep"
    assert "Recaudo Demo" in call.text
    assert "+15005550006" in call.text  # the number the call came from, to call back
    assert "saldo" not in call.text


async def test_person_hears_the_full_message(answered: tuple[Sandbox, TwilioProvider]) -> None:
    sandbox, provider = answered
    await provider.send(command("+525512345678"))
    await sandbox.drain()
    [call] = sandbox.messages
    assert call.headers["AnsweredBy"] == "human"
    assert "saldo vencido" in call.text


async def test_fax_gets_nothing(answered: tuple[Sandbox, TwilioProvider]) -> None:
    sandbox, provider = answered
    await provider.send(command("+525512343333"))
    await sandbox.drain()
    [call] = sandbox.messages
    assert call.text == "<Response><Hangup/></Response>"


async def test_a_number_set_to_a_fax_gets_nothing(
    answered: tuple[Sandbox, TwilioProvider],
) -> None:
    sandbox, provider = answered
    sandbox.answerers["+525512345678"] = "fax"
    await provider.send(command("+525512345678"))
    await sandbox.drain()
    [call] = sandbox.messages
    assert call.headers["AnsweredBy"] == "fax"
    assert call.text == "<Response><Hangup/></Response>"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=zz", b"garbage"),  # ValueError: no starting boundary
        ("application/x-www-form-urlencoded", b"a=\xff"),  # UnicodeDecodeError
        (";0*", b"a=1"),  # the stdlib's header parser raises IndexError
        # A part whose header line has no colon: aiohttp's InvalidHeader (a 500 before).
        ("multipart/form-data; boundary=x", b"--x\r\nbad\r\n--x--"),
    ],
)
async def test_a_form_that_cannot_be_read_is_a_400_not_a_500(
    redis_client: aioredis.Redis, keys: Keys, content_type: str, body: bytes
) -> None:
    app = web.Application()
    app.router.add_post(
        ANSWER_PATH, twilio_answer(ScriptStore(redis_client, keys), "t", "http://x", 10.0)
    )
    async with TestClient(TestServer(app)) as client:
        resp = await client.post(ANSWER_PATH, data=body, headers={"Content-Type": content_type})
        assert resp.status == 400  # before the signature: unsigned, it would be a 403


async def test_scripts_live_in_redis_for_a_few_hours(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    store = ScriptStore(redis_client, keys, ttl_s=3600)
    await store.put("ref-1", VoiceScripts(FULL, None, "es-MX"))
    assert await store.get("ref-1") == VoiceScripts(FULL, None, "es-MX")
    assert 3500 < await redis_client.ttl(keys.voice_call("ref-1")) <= 3600
    assert await store.get("ref-2") is None
    # A verdict is kept only for a call we placed (no key made for a forged ref).
    await store.detected("ref-2", Answered.HUMAN)
    assert not await redis_client.exists(keys.voice_call("ref-2"))
    await store.detected("ref-1", Answered.MACHINE)
    assert await store.answered("ref-1") is Answered.MACHINE
    # Placing the call again starts over: no verdict from an earlier attempt.
    await store.put("ref-1", SCRIPTS)
    assert await store.answered("ref-1") is None
    assert await store.get("ref-1") == SCRIPTS
