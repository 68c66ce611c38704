"""Vonage's SMS API, and its signed delivery receipts; its Voice API's calls, with
advanced machine detection reported on the signed event webhook."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import orjson
import yarl
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from recaudo.channels.providers.http import IDEMPOTENCY_HEADER
from recaudo.channels.sandbox import signing
from recaudo.channels.sandbox.core import (
    SandboxCore,
    SentMessage,
    fails_after_send,
    refused_at_send,
)
from recaudo.channels.webhooks.vonage_voice import (
    application_claims,
    signed_jwt,
    webhook_claims,
)
from recaudo.foundation.errors import SignatureError


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
            "message-timestamp": self._clock.now().strftime("%Y-%m-%d %H:%M:%S"),
        }
        if msg.ref:
            params["client-ref"] = msg.ref
        await self._post(
            msg, msg.callback_url, signing.vonage(creds.signature_secret.get_secret_value(), params)
        )

    # -- Vonage Voice ----------------------------------------------------------------------

    def _vonage_app_auth(self, request: web.Request) -> bool:
        creds = self.creds.vonage
        if creds is None or creds.private_key is None:
            return False
        key = serialization.load_pem_private_key(
            creds.private_key.get_secret_value().encode(), password=None
        )
        assert isinstance(key, rsa.RSAPrivateKey)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            claims = application_claims(token, key.public_key())
        except SignatureError:
            return False
        return claims.get("application_id") == creds.application_id and int(
            claims.get("exp", 0)
        ) > int(time.time())

    async def _vonage_call(self, request: web.Request) -> web.Response:
        """``POST /v1/calls``: the call is placed, then detection decides (``answerer``)."""
        if not self._vonage_app_auth(request):
            return web.json_response({"title": "Unauthorized", "type": "unauthorized"}, status=401)
        if (fault := self._fault("vonage")) is not None:
            return fault
        if (hit := self._replay("vonage", request)) is not None:
            return hit[1]
        body = orjson.loads(await request.read())
        to = str(body["to"][0]["number"])
        answer, events = body.get("answer_url") or [None], body.get("event_url") or [None]
        if refused_at_send(to):
            return web.json_response({"title": "Bad Request", "type": "bad-request"}, status=400)
        call_id = str(uuid.uuid4())
        msg = SentMessage(
            provider="vonage",
            message_id=call_id,
            channel="voice",
            to=to,
            sender=str(body["from"]["number"]),
            text="",
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
            ref=yarl.URL(str(events[0] or answer[0] or "")).query.get("ref"),
            callback_url=events[0],
        )
        reply = {
            "uuid": call_id,
            "status": "started",
            "direction": "outbound",
            "conversation_uuid": f"CON-{uuid.uuid4()}",
        }
        if answer[0] and body.get("advanced_machine_detection"):
            self._schedule(self._vonage_voice_flow(msg, answer[0], reply["conversation_uuid"]))
        return self._record(request, web.json_response(reply, status=201), msg)

    async def _vonage_voice_flow(self, msg: SentMessage, answer_url: str, conv: str) -> None:
        """Started, ringing, answered; detection's verdict (a fax is no person: ``machine``,
        the only other status Vonage reports), after the beep for a machine; then the
        answer request, whose NCCO is what the call plays (kept as the text)."""
        creds = self.creds.vonage
        if creds is None or self._session is None:
            return
        secret = creds.signature_secret.get_secret_value()
        common = {"uuid": msg.message_id, "conversation_uuid": conv, "to": msg.to}
        common |= {"from": msg.sender, "direction": "outbound"}
        verdict = "human" if self.answerer(msg.to) == "human" else "machine"
        steps: list[dict[str, Any]] = [
            {"status": "started"},
            {"status": "ringing"},
            {"status": "answered"},
            {"status": verdict},
        ]
        if verdict == "machine":
            steps.append({"status": "machine", "sub_state": "beep_start"})
        for step in steps:
            await self._post(msg, msg.callback_url, _signed(creds.api_key, secret, common | step))
        headers, payload = _signed(creds.api_key, secret, common)
        async with self._session.post(
            yarl.URL(answer_url, encoded=True), data=payload, headers=headers
        ) as resp:
            msg.text = await resp.text()
            msg.headers["AnsweredBy"] = verdict
            msg.webhooks.append(str(resp.status))
        done = common | {"status": "completed", "duration": "12"}
        await self._post(msg, msg.callback_url, _signed(creds.api_key, secret, done))


def _signed(api_key: str, secret: str, event: dict[str, Any]) -> signing.Signed:
    """A Voice webhook as Vonage signs it: JSON, ``Authorization: Bearer`` HS256 JWT."""
    body = orjson.dumps(event)
    token = signed_jwt(secret, webhook_claims(api_key, body, time.time()))
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}, body
