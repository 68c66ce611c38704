"""Mailgun's messages API, and its HMAC-signed event webhooks."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from aiohttp import web

from recaudo.channels.providers.http import IDEMPOTENCY_HEADER, basic_auth
from recaudo.channels.sandbox import signing
from recaudo.channels.sandbox.core import (
    SandboxCore,
    SentMessage,
    fails_after_send,
    refused_at_send,
)


class MailgunSandbox(SandboxCore):
    async def _mailgun(self, request: web.Request) -> web.Response:
        creds = self.creds.mailgun
        expected = basic_auth("api", creds.api_key.get_secret_value()) if creds else None
        if creds is None or request.headers.get("Authorization") != expected:
            return web.Response(text="Forbidden", status=401)
        if (fault := self._fault("mailgun")) is not None:
            return fault
        if (hit := self._replay("mailgun", request)) is not None:
            return hit[1]
        form = await request.post()
        to = str(form.get("to", ""))
        if refused_at_send(to) or "@" not in to:
            return web.json_response(
                {"message": "'to' parameter is not a valid address. please check documentation"},
                status=400,
            )
        message_id = f"{self._new_id('')}@{request.match_info['target']}"
        variables = {k[2:]: str(v) for k, v in form.items() if k.startswith("v:")}
        msg = SentMessage(
            provider="mailgun",
            message_id=message_id,
            channel="email",
            to=to,
            sender=str(form.get("from", "")),
            text=str(form.get("text", "")),
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
            ref=variables.get("rc_ref"),
            callback_url=self._hook_url("mailgun"),
            subject=str(form.get("subject", "")) or None,
            html=str(form["html"]) if "html" in form else None,
            headers={str(k)[2:]: str(v) for k, v in form.items() if str(k).startswith("h:")},
        )
        response = web.json_response({"id": f"<{message_id}>", "message": "Queued. Thank you."})
        self._schedule(self._mailgun_hooks(msg, variables))
        return self._record(request, response, msg)

    async def _mailgun_hooks(self, msg: SentMessage, variables: dict[str, str]) -> None:
        creds = self.creds.mailgun
        if creds is None:
            return
        await asyncio.sleep(self._delay)
        kinds = ["accepted", "failed"] if fails_after_send(msg.to) else ["accepted", "delivered"]
        for kind in kinds:
            data: dict[str, Any] = {
                "id": secrets.token_urlsafe(16),
                "event": kind,
                "timestamp": self._clock.now().timestamp(),
                "recipient": msg.to,
                "message": {"headers": {"message-id": msg.message_id}},
                "user-variables": variables,
            }
            if kind == "failed":
                data |= {
                    "severity": "permanent",
                    "reason": "bounce",
                    "delivery-status": {"code": 550},
                }
            signed = signing.mailgun(creds.webhook_signing_key.get_secret_value(), data)
            await self._post(msg, msg.callback_url, signed)
