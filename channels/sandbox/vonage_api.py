"""Vonage's SMS API, and its signed delivery receipts."""

from __future__ import annotations

import asyncio
import datetime as dt

from aiohttp import web

from recaudo.channels.providers.http import IDEMPOTENCY_HEADER
from recaudo.channels.sandbox import signing
from recaudo.channels.sandbox.core import (
    SandboxCore,
    SentMessage,
    fails_after_send,
    refused_at_send,
)


class VonageSandbox(SandboxCore):
    # -- Vonage ----------------------------------------------------------------------------

    async def _vonage(self, request: web.Request) -> web.Response:
        creds = self.creds.vonage
        form = await request.post()
        if (
            creds is None
            or form.get("api_key") != creds.api_key
            or form.get("api_secret") != (creds.api_secret.get_secret_value())
        ):
            return web.json_response(
                {
                    "message-count": "1",
                    "messages": [{"status": "4", "error-text": "Bad Credentials"}],
                }
            )
        if (fault := self._fault("vonage")) is not None:
            return fault
        if (hit := self._replay("vonage", request)) is not None:
            return hit[1]
        to = str(form.get("to", ""))
        if refused_at_send(to):
            return web.json_response(
                {
                    "message-count": "1",
                    "messages": [{"status": "29", "error-text": "Non White-listed Destination"}],
                }
            )
        message_id = self._new_id("")[:16].upper()
        msg = SentMessage(
            provider="vonage",
            message_id=message_id,
            channel="sms",
            to=to,
            sender=str(form.get("from", "")),
            text=str(form.get("text", "")),
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
            ref=str(form.get("client-ref", "")) or None,
            callback_url=str(form.get("callback", "")) or self._hook_url("vonage"),
        )
        response = web.json_response(
            {
                "message-count": "1",
                "messages": [
                    {
                        "to": to,
                        "message-id": message_id,
                        "status": "0",
                        "remaining-balance": "10.0",
                        "message-price": "0.05",
                        "network": "21401",
                    }
                ],
            }
        )
        self._schedule(self._vonage_hooks(msg))
        return self._record(request, response, msg)

    async def _vonage_hooks(self, msg: SentMessage) -> None:
        creds = self.creds.vonage
        if creds is None:
            return
        await asyncio.sleep(self._delay)
        status, code = ("failed", "3") if fails_after_send(msg.to) else ("delivered", "0")
        params = {
            "msisdn": msg.to,
            "to": msg.sender,
            "network-code": "21401",
            "messageId": msg.message_id,
            "price": "0.05",
            "status": status,
            "scts": "2601010000",
            "err-code": code,
            "message-timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        }
        if msg.ref:
            params["client-ref"] = msg.ref
        await self._post(
            msg, msg.callback_url, signing.vonage(creds.signature_secret.get_secret_value(), params)
        )
