"""The sandbox server: provider send APIs in, signed webhooks out.

Address conventions drive outcomes so tests and the demo can exercise every
path: a phone number ending ``0000`` or an e-mail starting ``invalid`` is
refused at send (the provider's own error shape); ending ``1111`` or starting
``bounce`` is accepted and then fails permanently by webhook; anything else
is sent and delivered (and read/opened where the channel has it).
``fail_next`` injects 5xx answers for retry and circuit-breaker tests.
"""

from __future__ import annotations

import contextlib

import aiohttp
import orjson
from aiohttp import web

from recaudo.channels.sandbox import signing
from recaudo.channels.sandbox.core import SandboxCore, SentMessage, sandbox_credentials
from recaudo.channels.sandbox.infobip_api import InfobipSandbox
from recaudo.channels.sandbox.mailgun_api import MailgunSandbox
from recaudo.channels.sandbox.meta_api import MetaSandbox
from recaudo.channels.sandbox.rnd_api import RndSandbox
from recaudo.channels.sandbox.sendgrid_api import SendGridSandbox
from recaudo.channels.sandbox.twilio_api import TwilioSandbox
from recaudo.channels.sandbox.vonage_api import VonageSandbox

__all__ = ["Sandbox", "SentMessage", "sandbox_credentials"]


class Sandbox(
    TwilioSandbox,
    SendGridSandbox,
    MetaSandbox,
    MailgunSandbox,
    InfobipSandbox,
    VonageSandbox,
    SandboxCore,
):
    """Every provider's send API on one loopback server."""

    #: The Reassigned Numbers Database's query API (issue 26), made by ``start``.
    rnd: RndSandbox

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

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
        r.add_post("/v1/calls", self._vonage_call)
        self.rnd = RndSandbox()
        self.rnd.add_routes(r)
        r.add_get("/_sandbox/messages", self._list)
        r.add_post("/_sandbox/faults", self._add_fault)
        r.add_post("/_sandbox/inbound", self._inbound_http)
        for mount in self.mounts:
            mount(r)
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

    # -- Meta WhatsApp and Mailgun share a path shape --------------------------------------

    async def _meta_or_mailgun(self, request: web.Request) -> web.Response:
        if request.match_info["version"] == "v3":
            return await self._mailgun(request)
        return await self._meta(request)

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
                        "timestamp": str(int(self._clock.now().timestamp())),
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
                "message-timestamp": self._clock.now().strftime("%Y-%m-%d %H:%M:%S"),
            }
            secret = self.creds.vonage.signature_secret.get_secret_value()
            signed = signing.vonage(secret, vparams)
        else:
            raise ValueError(f"no inbound replies for provider {provider!r}")
        before = len(self.webhook_results)
        await self._post(None, url, signed)
        return self.webhook_results[before][1] if len(self.webhook_results) > before else 0

    async def _inbound_http(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        with contextlib.suppress(KeyError):
            status = await self.inbound(
                str(body["provider"]), str(body["from"]), str(body["text"]), body.get("to")
            )
            return web.json_response({"webhook_status": status})
        return web.json_response({"error": "provider, from and text are required"}, status=400)
