"""Vonage's answer and event webhooks: the NCCO that plays what detection allows.

With ``advanced_machine_detection`` in a synchronous mode (``detect_beep``)
Vonage reports ``human`` or ``machine`` on the event webhook and only then
processes the call's NCCO; the event handler keeps the verdict beside the
call's scripts and the answer handler serves the NCCO for it. No verdict yet
(or none ever) plays what a machine may hear, never the debt. Both requests
are signed (``webhooks.vonage_voice``): an unsigned one gets 403 and learns
nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from recaudo.channels.voice.amd import (
    VONAGE_STATUS,
    Answered,
    ScriptStore,
    script_for,
    vonage_ncco,
)
from recaudo.channels.webhooks.vonage_voice import VonageVoiceVerifier
from recaudo.foundation.errors import SignatureError

Handler = Callable[[web.Request], Awaitable[web.Response]]


async def _verified(
    request: web.Request, verifier: VonageVoiceVerifier, body_timeout_s: float
) -> bytes | web.Response:
    """The signed body, or the refusal: a 403 when the signature fails, a 408 when
    the body is not received within ``body_timeout_s`` (a slow client holds no
    connection)."""
    try:
        async with asyncio.timeout(body_timeout_s):
            body = await request.read()
    except TimeoutError:
        return web.Response(status=408, text="request body not received in time")
    try:
        verifier.verify(request.headers.get("Authorization", ""), body)
    except SignatureError:
        return web.Response(status=403)
    return body


def vonage_answer(
    store: ScriptStore, verifier: VonageVoiceVerifier, body_timeout_s: float
) -> Handler:
    """``POST /voice/vonage/answer?ref=...``: the call's NCCO."""

    async def handle(request: web.Request) -> web.Response:
        refused = await _verified(request, verifier, body_timeout_s)
        if isinstance(refused, web.Response):
            return refused
        ref = request.query.get("ref", "")
        scripts = await store.get(ref)
        answered = await store.answered(ref) or Answered.UNKNOWN
        text = None if scripts is None else script_for(answered, scripts)
        language = scripts.language if scripts else "en"
        return web.json_response(vonage_ncco(text, language), dumps=_dumps)

    return handle


def vonage_event(
    store: ScriptStore, verifier: VonageVoiceVerifier, body_timeout_s: float
) -> Handler:
    """``POST /voice/vonage/event?ref=...``: keeps detection's verdict for the answer."""

    async def handle(request: web.Request) -> web.Response:
        body = await _verified(request, verifier, body_timeout_s)
        if isinstance(body, web.Response):
            return body
        try:
            event = orjson.loads(body)
        except orjson.JSONDecodeError:
            return web.Response(status=400)
        status = event.get("status") if isinstance(event, dict) else None
        answered = VONAGE_STATUS.get(str(status))
        if answered is not None:
            await store.detected(request.query.get("ref", ""), answered)
        return web.Response(status=204)

    return handle


def _dumps(value: object) -> str:
    return orjson.dumps(value).decode()
