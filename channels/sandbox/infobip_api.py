"""Infobip's SMS API, and its delivery reports (Basic auth)."""

from __future__ import annotations

import asyncio

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


class InfobipSandbox(SandboxCore):
    # -- Infobip ---------------------------------------------------------------------------

    async def _infobip(self, request: web.Request) -> web.Response:
        creds = self.creds.infobip
        if creds is None or request.headers.get("Authorization") != (
            f"App {creds.api_key.get_secret_value()}"
        ):
            return web.json_response(
                {"requestError": {"serviceException": {"messageId": "UNAUTHORIZED"}}}, status=401
            )
        if (fault := self._fault("infobip")) is not None:
            return fault
        if (hit := self._replay("infobip", request)) is not None:
            return hit[1]
        try:
            message = orjson.loads(await request.read())["messages"][0]
            destination = message["destinations"][0]
            to = str(destination["to"])
        except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
            return web.json_response(
                {"requestError": {"serviceException": {"messageId": "BAD_REQUEST"}}}, status=400
            )
        message_id = str(destination.get("messageId") or self._new_id(""))
        if refused_at_send(to):
            status = {
                "groupId": 5,
                "groupName": "REJECTED",
                "id": 51,
                "name": "REJECTED_DESTINATION",
            }
        else:
            status = {"groupId": 1, "groupName": "PENDING", "id": 26, "name": "PENDING_ACCEPTED"}
        response = web.json_response(
            {
                "bulkId": self._new_id("B"),
                "messages": [{"messageId": message_id, "status": status, "to": to}],
            }
        )
        if refused_at_send(to):
            return response
        msg = SentMessage(
            provider="infobip",
            message_id=message_id,
            channel="sms",
            to=to,
            sender=str(message.get("from", "")),
            text=str(message.get("text", "")),
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
            ref=message.get("callbackData"),
            callback_url=message.get("notifyUrl") or self._hook_url("infobip"),
        )
        self._schedule(self._infobip_hooks(msg))
        return self._record(request, response, msg)

    async def _infobip_hooks(self, msg: SentMessage) -> None:
        creds = self.creds.infobip
        if creds is None:
            return
        await asyncio.sleep(self._delay)
        if fails_after_send(msg.to):
            status = {
                "groupId": 2,
                "groupName": "UNDELIVERABLE",
                "id": 9,
                "name": "UNDELIVERABLE_NOT_DELIVERED",
            }
            error = {
                "groupId": 1,
                "groupName": "HANDSET_ERRORS",
                "id": 27,
                "name": "EC_ABSENT_SUBSCRIBER",
                "permanent": True,
            }
        else:
            status = {
                "groupId": 3,
                "groupName": "DELIVERED",
                "id": 5,
                "name": "DELIVERED_TO_HANDSET",
            }
            error = {
                "groupId": 0,
                "groupName": "OK",
                "id": 0,
                "name": "NO_ERROR",
                "permanent": False,
            }
        result = {
            "messageId": msg.message_id,
            "to": msg.to,
            "sentAt": self._clock.now().isoformat(),
            "doneAt": self._clock.now().isoformat(),
            "status": status,
            "error": error,
            "callbackData": msg.ref,
        }
        signed = signing.infobip(
            creds.webhook_username, creds.webhook_password.get_secret_value(), [result]
        )
        await self._post(msg, msg.callback_url, signed)
