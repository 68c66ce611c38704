"""The sandbox server: provider send APIs in, signed webhooks out.

Address conventions drive outcomes so tests and the demo can exercise every
path: a phone number ending ``0000`` or an e-mail starting ``invalid`` is
refused at send (the provider's own error shape); ending ``1111`` or starting
``bounce`` is accepted and then fails permanently by webhook; anything else
is sent and delivered (and read/opened where the channel has it).
``fail_next`` injects 5xx answers for retry and circuit-breaker tests.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import itertools
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import orjson
import yarl
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import SecretStr

from channels.credentials import (
    InfobipCredentials,
    MailgunCredentials,
    MetaCredentials,
    ProviderCredentials,
    SendGridCredentials,
    TwilioCredentials,
    VonageCredentials,
)
from channels.providers.http import IDEMPOTENCY_HEADER, basic_auth
from channels.sandbox import signing


def sandbox_credentials() -> tuple[ProviderCredentials, ec.EllipticCurvePrivateKey]:
    """Demo credentials for every provider, and the SendGrid signing key to go with them."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    creds = ProviderCredentials(
        twilio=TwilioCredentials(
            account_sid="AC" + "0" * 32,
            auth_token=SecretStr("sandbox-twilio-token"),
            sms_from="+15005550006",
            whatsapp_from="+14155238886",
            voice_from="+15005550006",
        ),
        sendgrid=SendGridCredentials(
            api_key=SecretStr("SG.sandbox"),
            from_email="cobranzas@example.com",
            webhook_public_key=base64.b64encode(public).decode(),
        ),
        meta=MetaCredentials(
            access_token=SecretStr("meta-sandbox-token"),
            phone_number_id="1055000000",
            app_secret=SecretStr("meta-sandbox-secret"),
            verify_token=SecretStr("meta-sandbox-verify"),
        ),
        mailgun=MailgunCredentials(
            api_key=SecretStr("key-sandbox"),
            domain="mg.example.com",
            from_email="cobranzas@mg.example.com",
            webhook_signing_key=SecretStr("mailgun-sandbox-signing"),
        ),
        infobip=InfobipCredentials(
            api_key=SecretStr("infobip-sandbox"),
            sender="Recaudo",
            webhook_username="infobip",
            webhook_password=SecretStr("infobip-sandbox-hook"),
        ),
        vonage=VonageCredentials(
            api_key="vonagekey",
            api_secret=SecretStr("vonage-secret"),
            signature_secret=SecretStr("vonage-signature-secret"),
            sender="Recaudo",
        ),
    )
    return creds, key


@dataclass
class SentMessage:
    provider: str
    message_id: str
    channel: str
    to: str
    sender: str
    text: str
    idempotency_key: str | None
    ref: str | None
    callback_url: str | None
    received_at: float = field(default_factory=time.time)
    webhooks: list[str] = field(default_factory=list)


def _refused(to: str) -> bool:
    return to.endswith("0000") or to.lower().startswith("invalid")


def _fails_later(to: str) -> bool:
    return to.endswith("1111") or to.lower().startswith("bounce")


class Sandbox:
    def __init__(
        self,
        credentials: ProviderCredentials,
        *,
        sendgrid_private_key: ec.EllipticCurvePrivateKey | None = None,
        webhook_base_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_delay_s: float = 0.0,
    ) -> None:
        self.creds = credentials
        self._sg_key = sendgrid_private_key
        self.webhook_base_url = webhook_base_url
        self._host = host
        self._port = port
        self._delay = webhook_delay_s
        self.messages: list[SentMessage] = []
        self._by_key: dict[tuple[str, str], tuple[int, bytes, dict[str, str]]] = {}
        self._faults: dict[str, list[int]] = {}
        self.webhook_results: list[tuple[str, int]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        r = app.router
        r.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._twilio_message)
        r.add_post("/2010-04-01/Accounts/{sid}/Calls.json", self._twilio_call)
        r.add_post("/v3/mail/send", self._sendgrid)
        r.add_post("/{version}/{target}/messages", self._meta_or_mailgun)
        r.add_post("/sms/2/text/advanced", self._infobip)
        r.add_post("/sms/json", self._vonage)
        r.add_get("/_sandbox/messages", self._list)
        r.add_post("/_sandbox/faults", self._add_fault)
        r.add_post("/_sandbox/inbound", self._inbound_http)
        self._session = aiohttp.ClientSession()
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        port = sockets[0].getsockname()[1] if sockets else self._port
        self.url = f"http://{self._host}:{port}"
        return self.url

    async def drain(self, timeout_s: float = 5.0) -> None:
        """Wait until every scheduled webhook has been posted."""
        deadline = time.monotonic() + timeout_s
        while self._tasks and time.monotonic() < deadline:
            await asyncio.wait(set(self._tasks), timeout=deadline - time.monotonic())

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def fail_next(self, provider: str, status: int = 503, times: int = 1) -> None:
        self._faults.setdefault(provider, []).extend([status] * times)

    # -- helpers ---------------------------------------------------------------------------

    def _fault(self, provider: str) -> web.Response | None:
        queue = self._faults.get(provider)
        if queue:
            return web.json_response({"message": "sandbox fault"}, status=queue.pop(0))
        return None

    def _replay(self, provider: str, request: web.Request) -> tuple[str, web.Response] | None:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return None
        cached = self._by_key.get((provider, key))
        if cached is None:
            return None
        status, body, headers = cached
        # A prepared aiohttp response cannot be sent twice: rebuild the same answer.
        return key, web.Response(status=status, body=body, headers=headers)

    def _record(
        self, request: web.Request, response: web.Response, msg: SentMessage
    ) -> web.Response:
        if msg.idempotency_key:
            body = response.body if isinstance(response.body, bytes) else b""
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
            self._by_key[(msg.provider, msg.idempotency_key)] = (response.status, body, headers)
        self.messages.append(msg)
        return response

    def _schedule(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _hook_url(self, provider: str) -> str | None:
        if self.webhook_base_url is None:
            return None
        return f"{self.webhook_base_url.rstrip('/')}/webhooks/{provider}"

    async def _post(self, msg: SentMessage | None, url: str | None, signed: signing.Signed) -> None:
        if url is None or self._session is None:
            return
        headers, body = signed
        status = 0
        for attempt in range(3):
            try:
                async with self._session.post(
                    yarl.URL(url, encoded=True), data=body, headers=headers
                ) as resp:
                    status = resp.status
                    await resp.read()
            except aiohttp.ClientError:
                status = 0
            if 200 <= status < 500:
                break
            await asyncio.sleep(0.05 * (attempt + 1))
        self.webhook_results.append((url, status))
        if msg is not None:
            msg.webhooks.append(f"{status}")

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._seq):08d}{secrets.token_hex(12)}"

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
        if _refused(to):
            return web.json_response(
                {"code": 21211, "message": f"The 'To' number {to} is not valid", "status": 400},
                status=400,
            )
        sid = self._new_id("CA" if voice else "SM")
        callback = str(form.get("StatusCallback", "")) or None
        channel = "voice" if voice else ("whatsapp" if to.startswith("whatsapp:") else "sms")
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
        self._schedule(self._twilio_hooks(msg))
        return self._record(request, response, msg)

    async def _twilio_hooks(self, msg: SentMessage) -> None:
        creds = self.creds.twilio
        if creds is None or msg.callback_url is None:
            return
        await asyncio.sleep(self._delay)
        token = creds.auth_token.get_secret_value()
        common = [("AccountSid", creds.account_sid), ("To", msg.to), ("From", msg.sender)]
        if msg.channel == "voice":
            steps = [("initiated", ""), ("ringing", "")]
            steps.append(("no-answer", "") if _fails_later(msg.to) else ("completed", ""))
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
        statuses.append(("undelivered", "30003") if _fails_later(msg.to) else ("delivered", ""))
        if msg.channel == "whatsapp" and not _fails_later(msg.to):
            statuses.append(("read", ""))
        for status, code in statuses:
            params = [("MessageSid", msg.message_id), ("MessageStatus", status), *common]
            if code:
                params.append(("ErrorCode", code))
            await self._post(msg, msg.callback_url, signing.twilio(token, msg.callback_url, params))

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
        if _refused(to):
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
        )
        response = web.Response(status=202, headers={"X-Message-Id": message_id})
        self._schedule(self._sendgrid_hooks(msg, args))
        return self._record(request, response, msg)

    async def _sendgrid_hooks(self, msg: SentMessage, custom_args: dict[str, Any]) -> None:
        if self._sg_key is None:
            return
        await asyncio.sleep(self._delay)
        now = int(time.time())
        kinds = (
            ["processed", "bounce"] if _fails_later(msg.to) else ["processed", "delivered", "open"]
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

    # -- Meta WhatsApp and Mailgun share a path shape --------------------------------------

    async def _meta_or_mailgun(self, request: web.Request) -> web.Response:
        if request.match_info["version"] == "v3":
            return await self._mailgun(request)
        return await self._meta(request)

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
        if _refused(to):
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
            text=orjson.dumps(payload.get("template") or payload.get("text") or {}).decode(),
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
        kinds = ["sent", "failed"] if _fails_later(msg.to) else ["sent", "delivered", "read"]
        for kind in kinds:
            status: dict[str, Any] = {
                "id": msg.message_id,
                "status": kind,
                "timestamp": str(int(time.time())),
                "recipient_id": msg.to,
            }
            if msg.ref:
                status["biz_opaque_callback_data"] = msg.ref
            if kind == "failed":
                status["errors"] = [{"code": 131026, "title": "Message undeliverable"}]
            value = {"messaging_product": "whatsapp", "statuses": [status]}
            signed = signing.meta(creds.app_secret.get_secret_value(), value)
            await self._post(msg, msg.callback_url, signed)

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
        if _refused(to) or "@" not in to:
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
        )
        response = web.json_response({"id": f"<{message_id}>", "message": "Queued. Thank you."})
        self._schedule(self._mailgun_hooks(msg, variables))
        return self._record(request, response, msg)

    async def _mailgun_hooks(self, msg: SentMessage, variables: dict[str, str]) -> None:
        creds = self.creds.mailgun
        if creds is None:
            return
        await asyncio.sleep(self._delay)
        kinds = ["accepted", "failed"] if _fails_later(msg.to) else ["accepted", "delivered"]
        for kind in kinds:
            data: dict[str, Any] = {
                "id": secrets.token_urlsafe(16),
                "event": kind,
                "timestamp": time.time(),
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
        if _refused(to):
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
        if _refused(to):
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
        if _fails_later(msg.to):
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
            "sentAt": dt.datetime.now(dt.UTC).isoformat(),
            "doneAt": dt.datetime.now(dt.UTC).isoformat(),
            "status": status,
            "error": error,
            "callbackData": msg.ref,
        }
        signed = signing.infobip(
            creds.webhook_username, creds.webhook_password.get_secret_value(), [result]
        )
        await self._post(msg, msg.callback_url, signed)

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
        if _refused(to):
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
        status, code = ("failed", "3") if _fails_later(msg.to) else ("delivered", "0")
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

    # -- inbound replies and introspection -------------------------------------------------

    async def inbound(self, provider: str, from_: str, text: str, to: str | None = None) -> int:
        """Post a signed inbound reply as ``provider`` would; returns our route's HTTP status."""
        url = self._hook_url(provider)
        message_id = self._new_id("SM" if provider == "twilio" else "")
        if provider == "twilio" and self.creds.twilio and url:
            params = [
                ("MessageSid", message_id),
                ("SmsSid", message_id),
                ("AccountSid", self.creds.twilio.account_sid),
                ("From", from_),
                ("To", to or self.creds.twilio.sms_from),
                ("Body", text),
                ("NumMedia", "0"),
                ("SmsStatus", "received"),
            ]
            signed = signing.twilio(self.creds.twilio.auth_token.get_secret_value(), url, params)
        elif provider == "meta" and self.creds.meta:
            value = {
                "messaging_product": "whatsapp",
                "metadata": {"phone_number_id": self.creds.meta.phone_number_id},
                "messages": [
                    {
                        "from": from_.lstrip("+"),
                        "id": "wamid." + message_id,
                        "timestamp": str(int(time.time())),
                        "type": "text",
                        "text": {"body": text},
                    }
                ],
            }
            signed = signing.meta(self.creds.meta.app_secret.get_secret_value(), value)
        elif provider == "infobip" and self.creds.infobip:
            result = {
                "messageId": message_id,
                "from": from_.lstrip("+"),
                "to": to or "",
                "text": text,
                "cleanText": text,
                "keyword": text.split(" ")[0].upper(),
            }
            signed = signing.infobip(
                self.creds.infobip.webhook_username,
                self.creds.infobip.webhook_password.get_secret_value(),
                [result],
            )
        elif provider == "vonage" and self.creds.vonage:
            vparams = {
                "msisdn": from_.lstrip("+"),
                "to": to or self.creds.vonage.sender,
                "messageId": message_id,
                "text": text,
                "type": "text",
                "keyword": text.split(" ")[0].upper(),
                "message-timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
            }
            secret = self.creds.vonage.signature_secret.get_secret_value()
            signed = signing.vonage(secret, vparams)
        else:
            raise ValueError(f"no inbound replies for provider {provider!r}")
        before = len(self.webhook_results)
        await self._post(None, url, signed)
        return self.webhook_results[before][1] if len(self.webhook_results) > before else 0

    async def _list(self, request: web.Request) -> web.Response:
        return web.json_response(
            [asdict(m) for m in self.messages], dumps=lambda o: orjson.dumps(o).decode()
        )

    async def _add_fault(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        self.fail_next(
            str(body["provider"]), int(body.get("status", 503)), int(body.get("times", 1))
        )
        return web.json_response({"ok": True})

    async def _inbound_http(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        with contextlib.suppress(KeyError):
            status = await self.inbound(
                str(body["provider"]), str(body["from"]), str(body["text"]), body.get("to")
            )
            return web.json_response({"webhook_status": status})
        return web.json_response({"error": "provider, from and text are required"}, status=400)
