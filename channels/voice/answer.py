"""Twilio's answer webhook: the TwiML that plays once detection has decided.

Twilio requests the call's ``Url`` with ``AnsweredBy`` after
``MachineDetection``; the request is signed like every Twilio webhook
(``X-Twilio-Signature`` over our public URL and the form), so an unsigned
request gets 403 and never learns the script; a form that cannot be read, 400.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage

from recaudo.channels.voice.amd import (
    ANSWER_PATH,
    TWILIO_ANSWERED_BY,
    Answered,
    ScriptStore,
    script_for,
    twiml,
)
from recaudo.channels.webhooks.twilio import twilio_signature
from recaudo.foundation.http_input import media_type

__all__ = ["ANSWER_PATH", "twilio_answer"]


def twilio_answer(
    store: ScriptStore, auth_token: str, public_base_url: str, body_timeout_s: float
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The handler for ``POST /voice/twilio/answer?ref=...``; a form not received
    within ``body_timeout_s`` is a 408, so a slow client holds no connection."""
    base = public_base_url.rstrip("/")

    async def handle(request: web.Request) -> web.Response:
        if media_type(request) is None:
            return web.Response(status=400, text="Content-Type: malformed header")
        try:
            async with asyncio.timeout(body_timeout_s):
                form = await request.post()
        except TimeoutError:
            return web.Response(status=408, text="request body not received in time")
        except (ValueError, LookupError, BadHttpMessage) as exc:
            # aiohttp's form and multipart readers say "malformed" through these
            # (a bad boundary, a body not in its charset, an unknown charset, a
            # part's broken headers).
            return web.Response(status=400, text=f"malformed form body: {exc}")
        params = [(k, str(v)) for k, v in form.items()]
        expected = twilio_signature(auth_token, base + request.path_qs, params)
        given = request.headers.get("X-Twilio-Signature", "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(expected.encode(), given):
            return web.Response(status=403)
        scripts = await store.get(request.query.get("ref", ""))
        answered = TWILIO_ANSWERED_BY.get(str(form.get("AnsweredBy", "")), Answered.UNKNOWN)
        text = None if scripts is None else script_for(answered, scripts)
        language = scripts.language if scripts else "en"
        return web.Response(text=twiml(text, language), content_type="text/xml")

    return handle
