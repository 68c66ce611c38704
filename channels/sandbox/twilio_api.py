"""Twilio's Messages and Calls APIs, and its signed status callbacks."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import yarl
from aiohttp import web

from recaudo.channels.providers.http import IDEMPOTENCY_HEADER, basic_auth
from recaudo.channels.sandbox import signing
from recaudo.channels.sandbox.core import (
    SandboxCore,
    SentMessage,
    fails_after_send,
    refused_at_send,
)

#: Twilio's ``AnsweredBy`` for each answerer (DetectMessageEnd: after the beep).
ANSWERED_BY = {"human": "human", "machine": "machine_end_beep", "fax": "fax"}


class TwilioSandbox(SandboxCore):
    # -- Twilio ----------------------------------------------------------------------------

    def _twilio_auth(self, request: web.Request) -> bool:
        creds = self.creds.twilio
        if creds is None:
            return False
        expected = basic_auth(creds.account_sid, creds.auth_token.get_secret_value())
        return request.headers.get("Authorization") == expected

    async def _twilio_message(self, request: web.Request) -> web.Response:
        return await self._twilio(request, voice=False)

    async def _twilio_call(self, request: web.Request) -> web.Response:
        return await self._twilio(request, voice=True)

    async def _twilio(self, request: web.Request, *, voice: bool) -> web.Response:
        if not self._twilio_auth(request):
            return web.json_response({"code": 20003, "message": "Authenticate"}, status=401)
        if (fault := self._fault("twilio")) is not None:
            return fault
        if (hit := self._replay("twilio", request)) is not None:
            return hit[1]
        form = await request.post()
        to, sender = str(form.get("To", "")), str(form.get("From", ""))
        if not to or not sender:
            return web.json_response({"code": 21604, "message": "'To' is required"}, status=400)
        if refused_at_send(to):
            return web.json_response(
                {"code": 21211, "message": f"The 'To' number {to} is not valid", "status": 400},
                status=400,
            )
        sid = self._new_id("CA" if voice else "SM")
        callback = str(form.get("StatusCallback", "")) or None
        channel = "voice" if voice else ("whatsapp" if to.startswith("whatsapp:") else "sms")
        answer_url = str(form.get("Url", "")) or None
        msg = SentMessage(
            provider="twilio",
            message_id=sid,
            channel=channel,
            to=to,
            sender=sender,
            text=str(form.get("Body") or form.get("Twiml") or ""),
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
            ref=parse_qs(urlsplit(callback).query).get("ref", [None])[0] if callback else None,
            callback_url=callback,
        )
        response = web.json_response(
            {"sid": sid, "status": "queued", "to": to, "from": sender}, status=201
        )
        if voice and answer_url and form.get("MachineDetection"):
            self._schedule(self._twilio_answer(msg, answer_url))
        self._schedule(self._twilio_hooks(msg))
        return self._record(request, response, msg)

    async def _twilio_answer(self, msg: SentMessage, url: str) -> None:
        """Detection, then the answer request: ``AnsweredBy`` from who answers the
        number (``answerer``); what the call plays is the TwiML our Url answers, kept
        as the message's text."""
        creds = self.creds.twilio
        if creds is None or self._session is None:
            return
        answered_by = ANSWERED_BY[self.answerer(msg.to)]
        params = [
            ("AccountSid", creds.account_sid),
            ("CallSid", msg.message_id),
            ("From", msg.sender),
            ("To", msg.to),
            ("CallStatus", "in-progress"),
            ("Direction", "outbound-api"),
            ("AnsweredBy", answered_by),
            ("MachineDetectionDuration", "2150"),
        ]
        headers, body = signing.twilio(creds.auth_token.get_secret_value(), url, params)
        async with self._session.post(
            yarl.URL(url, encoded=True), data=body, headers=headers
        ) as resp:
            played = await resp.text()
        msg.text = played
        msg.headers["AnsweredBy"] = answered_by

    async def _twilio_hooks(self, msg: SentMessage) -> None:
        creds = self.creds.twilio
        if creds is None or msg.callback_url is None:
            return
        await asyncio.sleep(self._delay)
        token = creds.auth_token.get_secret_value()
        common = [("AccountSid", creds.account_sid), ("To", msg.to), ("From", msg.sender)]
        if msg.channel == "voice":
            steps = [("initiated", ""), ("ringing", "")]
            steps.append(("no-answer", "") if fails_after_send(msg.to) else ("completed", ""))
            for seq, (status, _) in enumerate(steps):
                params = [
                    ("CallSid", msg.message_id),
                    ("CallStatus", status),
                    ("SequenceNumber", str(seq)),
                    *common,
                ]
                await self._post(
                    msg, msg.callback_url, signing.twilio(token, msg.callback_url, params)
                )
            return
        statuses = [("sent", "")]
        statuses.append(("undelivered", "30003") if fails_after_send(msg.to) else ("delivered", ""))
        if msg.channel == "whatsapp" and not fails_after_send(msg.to):
            statuses.append(("read", ""))
        for status, code in statuses:
            params = [("MessageSid", msg.message_id), ("MessageStatus", status), *common]
            if code:
                params.append(("ErrorCode", code))
            await self._post(msg, msg.callback_url, signing.twilio(token, msg.callback_url, params))
