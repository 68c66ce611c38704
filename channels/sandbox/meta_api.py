"""Meta WhatsApp Cloud API messages, and its X-Hub-Signature-256 webhooks."""

from __future__ import annotations

import asyncio
import base64
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


class MetaSandbox(SandboxCore):
    async def _meta(self, request: web.Request) -> web.Response:
        creds = self.creds.meta
        if creds is None or request.headers.get("Authorization") != (
            f"Bearer {creds.access_token.get_secret_value()}"
        ):
            return web.json_response(
                {"error": {"message": "Invalid OAuth access token", "code": 190}}, status=401
            )
        if (fault := self._fault("meta")) is not None:
            return fault
        if (hit := self._replay("meta", request)) is not None:
            return hit[1]
        try:
            payload = orjson.loads(await request.read())
            to = str(payload["to"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return web.json_response({"error": {"message": "bad request", "code": 100}}, status=400)
        if refused_at_send(to):
            return web.json_response(
                {"error": {"message": "Message undeliverable", "code": 131026}}, status=400
            )
        wamid = "wamid." + base64.b64encode(secrets.token_bytes(24)).decode()
        msg = SentMessage(
            provider="meta",
            message_id=wamid,
            channel="whatsapp",
            to=to,
            sender=creds.phone_number_id,
            text=_whatsapp_text(payload),
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
            ref=payload.get("biz_opaque_callback_data"),
            callback_url=self._hook_url("meta"),
        )
        response = web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": wamid}],
            }
        )
        self._schedule(self._meta_hooks(msg))
        return self._record(request, response, msg)

    async def _meta_hooks(self, msg: SentMessage) -> None:
        creds = self.creds.meta
        if creds is None:
            return
        await asyncio.sleep(self._delay)
        kinds = ["sent", "failed"] if fails_after_send(msg.to) else ["sent", "delivered", "read"]
        for kind in kinds:
            status: dict[str, Any] = {
                "id": msg.message_id,
                "status": kind,
                "timestamp": str(int(self._clock.now().timestamp())),
                "recipient_id": msg.to,
            }
            if msg.ref:
                status["biz_opaque_callback_data"] = msg.ref
            if kind == "failed":
                status["errors"] = [{"code": 131026, "title": "Message undeliverable"}]
            value = {"messaging_product": "whatsapp", "statuses": [status]}
            signed = signing.meta(creds.app_secret.get_secret_value(), value)
            await self._post(msg, msg.callback_url, signed)


def _whatsapp_text(payload: dict[str, Any]) -> str:
    """A template message as the sandbox shows it: name, language and the body
    parameters Meta would put into the approved text (the JSON when not a template)."""
    template = payload.get("template")
    if not isinstance(template, dict):
        return orjson.dumps(payload.get("text") or {}).decode()
    params = [
        str(p.get("text", ""))
        for c in template.get("components") or []
        if isinstance(c, dict) and c.get("type") == "body"
        for p in c.get("parameters") or []
        if isinstance(p, dict)
    ]
    language = (template.get("language") or {}).get("code", "")
    return f"[{template.get('name')}/{language}] " + " | ".join(params)
