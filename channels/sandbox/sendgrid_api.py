"""SendGrid's Mail Send API, and its ECDSA-signed Event Webhook."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import orjson
from aiohttp import web

from recaudo.channels.providers.http import IDEMPOTENCY_HEADER
from recaudo.channels.sandbox import signing
from recaudo.channels.sandbox.core import (
    SandboxCore,
    SentMessage,
    fails_after_send,
    refused_at_send,
)


class SendGridSandbox(SandboxCore):
    # -- SendGrid --------------------------------------------------------------------------

    async def _sendgrid(self, request: web.Request) -> web.Response:
        creds = self.creds.sendgrid
        if creds is None or request.headers.get("Authorization") != (
            f"Bearer {creds.api_key.get_secret_value()}"
        ):
            return web.json_response({"errors": [{"message": "unauthorized"}]}, status=401)
        if (fault := self._fault("sendgrid")) is not None:
            return fault
        if (hit := self._replay("sendgrid", request)) is not None:
            return hit[1]
        try:
            payload = orjson.loads(await request.read())
            personalization = payload["personalizations"][0]
            to = personalization["to"][0]["email"]
            args = personalization.get("custom_args") or {}
            text = payload["content"][0]["value"]
        except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
            return web.json_response({"errors": [{"message": "bad request"}]}, status=400)
        if refused_at_send(to):
            return web.json_response(
                {
                    "errors": [
                        {
                            "message": "Does not contain a valid address.",
                            "field": "personalizations.0.to.0.email",
                        }
                    ]
                },
                status=400,
            )
        message_id = self._new_id("")[:22]
        msg = SentMessage(
            provider="sendgrid",
            message_id=message_id,
            channel="email",
            to=to,
            sender=payload.get("from", {}).get("email", ""),
            text=text,
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
            ref=args.get("rc_ref"),
            callback_url=self._hook_url("sendgrid"),
            subject=payload.get("subject"),
            html=next(
                (c["value"] for c in payload["content"] if c.get("type") == "text/html"), None
            ),
            headers=dict(payload.get("headers") or {}),
        )
        response = web.Response(status=202, headers={"X-Message-Id": message_id})
        self._schedule(self._sendgrid_hooks(msg, args))
        return self._record(request, response, msg)

    async def _sendgrid_hooks(self, msg: SentMessage, custom_args: dict[str, Any]) -> None:
        if self._sg_key is None:
            return
        await asyncio.sleep(self._delay)
        now = int(self._clock.now().timestamp())
        kinds = (
            ["processed", "bounce"]
            if fails_after_send(msg.to)
            else ["processed", "delivered", "open"]
        )
        events = []
        for kind in kinds:
            event: dict[str, Any] = {
                "email": msg.to,
                "timestamp": now,
                "event": kind,
                "sg_event_id": secrets.token_urlsafe(16),
                "sg_message_id": f"{msg.message_id}.filterdrecv-sandbox-1-0",
                "smtp-id": f"<{msg.message_id}@sandbox>",
                **custom_args,
            }
            if kind == "bounce":
                event |= {"type": "bounce", "status": "5.1.1", "reason": "550 5.1.1 unknown user"}
            events.append(event)
        await self._post(msg, msg.callback_url, signing.sendgrid(self._sg_key, events))
