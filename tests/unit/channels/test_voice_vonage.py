"""Vonage voice: the call asks for advanced machine detection, the signed event
webhook keeps the verdict and the signed answer webhook plays what it allows
(12 CFR 1006.2(j): a machine hears only the limited-content message)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest
import redis.asyncio as aioredis
from aiohttp import web

from recaudo.channels.credentials import ProviderCredentials
from recaudo.channels.factory import build_providers
from recaudo.channels.providers.vonage import VonageProvider
from recaudo.channels.sandbox import Sandbox, sandbox_credentials
from recaudo.channels.voice.amd import VONAGE_AMD, ScriptStore, VoiceAnswers
from recaudo.channels.voice.routes import add_voice_routes
from recaudo.channels.webhooks.vonage_voice import (
    VonageVoiceVerifier,
    signed_jwt,
    webhook_claims,
)
from recaudo.contracts.events import Channel
from recaudo.foundation.errors import SignatureError
from recaudo.foundation.keys import Keys
from tests.unit.channels.test_voice_amd import FULL, command, machine_text

Served = tuple[Sandbox, VonageProvider, str]


@pytest.fixture
async def served(redis_client: aioredis.Redis, keys: Keys) -> AsyncIterator[Served]:
    creds, key = sandbox_credentials()
    assert creds.vonage is not None
    store = ScriptStore(redis_client, keys)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    ours = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = web.Application()
    add_voice_routes(app, creds, store, ours, 10.0)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    async with Sandbox(creds, sendgrid_private_key=key) as sandbox, aiohttp.ClientSession() as s:
        provider = VonageProvider(
            s,
            creds.vonage,
            base_url=sandbox.url,
            voice_base_url=sandbox.url,
            webhook_base_url=ours,
            voice_answers=VoiceAnswers(store, machine_text),
        )
        yield sandbox, provider, ours
    await runner.cleanup()


async def test_the_call_carries_vonage_real_fields(served: Served) -> None:
    sandbox, provider, ours = served
    outcome = await provider.send(command("+525512345678"))
    await sandbox.drain()
    [call] = sandbox.messages
    assert outcome.provider_message_id == call.message_id
    assert call.channel == "voice"
    assert call.to == "525512345678"
    assert call.callback_url is not None
    assert call.callback_url.startswith(f"{ours}/voice/vonage/event?ref=")
    assert VONAGE_AMD == {"behavior": "continue", "mode": "detect_beep", "beep_timeout": 45}
    # Every signed event was accepted (204), the answer too (200).
    assert set(call.webhooks) == {"204", "200"}


async def test_a_person_hears_the_full_message(served: Served) -> None:
    sandbox, provider, _ = served
    await provider.send(command("+525512345678"))
    await sandbox.drain()
    [call] = sandbox.messages
    assert call.headers["AnsweredBy"] == "human"
    [talk] = orjson.loads(call.text)
    assert talk == {"action": "talk", "text": FULL, "language": "es-MX"}


@pytest.mark.parametrize("answerer", ["machine", "fax"])
async def test_a_machine_hears_only_the_limited_content_message(
    served: Served, answerer: str
) -> None:
    sandbox, provider, _ = served
    sandbox.answerers["+525512345678"] = "machine" if answerer == "machine" else "fax"
    await provider.send(command("+525512345678"))
    await sandbox.drain()
    [call] = sandbox.messages
    assert call.headers["AnsweredBy"] == "machine"
    [talk] = orjson.loads(call.text)
    assert "Recaudo Demo" in talk["text"]
    assert "+15005550007" in talk["text"]
    assert "saldo" not in talk["text"]


async def test_no_voicemail_hangs_up_on_a_machine(
    served: Served, redis_client: aioredis.Redis, keys: Keys
) -> None:
    sandbox, provider, _ = served

    async def forbidden(_command: object, _caller: str) -> str | None:
        return None

    assert provider._answers is not None
    provider._answers = VoiceAnswers(provider._answers.store, forbidden)
    await provider.send(command("+525512342222"))
    await sandbox.drain()
    [call] = sandbox.messages
    assert orjson.loads(call.text) == []


async def test_unsigned_or_forged_answer_and_event_learn_nothing(served: Served) -> None:
    sandbox, provider, ours = served
    await provider.send(command("+525512342222"))
    await sandbox.drain()
    [call] = sandbox.messages
    answer = f"{ours}/voice/vonage/answer?ref={call.ref}"
    body = orjson.dumps({"uuid": call.message_id, "to": call.to})
    forged = signed_jwt("not-the-secret", webhook_claims("vonagekey", body, time.time()))
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"Authorization": f"Bearer {forged}"}):
            for path in ("answer", "event"):
                url = answer.replace("/answer", f"/{path}")
                async with http.post(url, data=body, headers=headers) as resp:
                    assert resp.status == 403
                    assert await resp.read() == b""


async def test_a_bearer_not_utf8_is_refused_not_a_500(served: Served) -> None:
    """Raw bytes (a client library would re-encode them): once a UnicodeEncodeError."""
    _, _, ours = served
    host, port = ours.removeprefix("http://").split(":")
    for path in ("answer", "event"):
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            f"POST /voice/vonage/{path}?ref=r HTTP/1.1\r\nHost: {host}\r\n".encode()
            + b"Authorization: Bearer a\xff.b.c\r\nContent-Length: 2\r\n"
            + b"Connection: close\r\n\r\n{}"
        )
        answer = await reader.read()
        writer.close()
        await writer.wait_closed()
        assert answer.startswith(b"HTTP/1.1 403 "), answer[:200]


def test_the_verifier_refuses_each_way_a_jwt_can_be_wrong() -> None:
    now = 1_750_000_000.0
    verifier = VonageVoiceVerifier("key", "secret", clock=lambda: now)
    body = b'{"status":"human"}'
    good = signed_jwt("secret", webhook_claims("key", body, now))
    verifier.verify(f"Bearer {good}", body)
    wrong = [
        ("", body),
        (f"Basic {good}", body),
        (f"Bearer {good}", body + b" "),  # payload_hash
        (f"Bearer {signed_jwt('secret', webhook_claims('other', body, now))}", body),
        (f"Bearer {signed_jwt('secret', webhook_claims('key', body, now - 301))}", body),
        (f"Bearer {signed_jwt('nope', webhook_claims('key', body, now))}", body),
    ]
    head, payload, _ = good.split(".")
    none_alg = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"  # {"alg":"none","typ":"JWT"}
    wrong.append((f"Bearer {none_alg}.{payload}.", body))
    wrong.append((f"Bearer {head}.{payload}.!!", body))
    wrong.append(("Bearer a\udcff.b.c", body))  # byte 0xff, as aiohttp decodes it
    for authorization, sent in wrong:
        with pytest.raises(SignatureError):
            verifier.verify(authorization, sent)


async def test_the_factory_lets_both_providers_call_with_detection(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    creds, _ = sandbox_credentials()
    answers = VoiceAnswers(ScriptStore(redis_client, keys), machine_text)
    async with aiohttp.ClientSession() as session:
        built = build_providers(session, creds, webhook_base_url="https://x.example", voice=answers)
        assert [p.name for p in built[Channel.VOICE]] == ["twilio", "vonage"]
        assert all(getattr(p, "_answers", None) is answers for p in built[Channel.VOICE])
        # Without the Voice application's key Vonage sends SMS only.
        assert creds.vonage is not None
        sms_only = ProviderCredentials(vonage=creds.vonage.model_copy(update={"private_key": None}))
        built = build_providers(session, sms_only, webhook_base_url="https://x", voice=answers)
        assert Channel.VOICE not in built
