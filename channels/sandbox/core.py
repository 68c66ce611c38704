"""The sandbox's shared state and plumbing: recorded messages, injected faults,
idempotent replays, and posting signed webhooks back."""

from __future__ import annotations

import asyncio
import base64
import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import aiohttp
import orjson
import yarl
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import SecretStr

from recaudo.channels.credentials import (
    InfobipCredentials,
    MailgunCredentials,
    MetaCredentials,
    ProviderCredentials,
    RndCredentials,
    SendGridCredentials,
    TwilioCredentials,
    VonageCredentials,
)
from recaudo.channels.payments.base import MercadoPagoAccount, PaymentAccounts, StripeAccount
from recaudo.channels.providers.http import IDEMPOTENCY_HEADER
from recaudo.channels.sandbox import rnd_api, signing
from recaudo.foundation.clock import WALL_CLOCK, Clock


def sandbox_credentials() -> tuple[ProviderCredentials, ec.EllipticCurvePrivateKey]:
    """Demo credentials for every provider, and the SendGrid signing key to go with them."""
    key = ec.generate_private_key(ec.SECP256R1())
    # The Vonage Voice application's key: our calls carry a JWT it signs (RS256).
    voice_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    voice_pem = voice_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
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
            application_id="aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
            private_key=SecretStr(voice_pem),
            voice_from="+15005550007",
        ),
        # Test-mode payment accounts behind the pay link (``payments_api``): Stripe
        # by default, Mercado Pago for pesos, PIX for reais.
        payments=PaymentAccounts(
            stripe=StripeAccount(
                secret_key=SecretStr("sk_test_sandbox"), webhook_secret=SecretStr("whsec_sandbox")
            ),
            mercadopago=MercadoPagoAccount(
                access_token=SecretStr("TEST-0000-sandbox"),
                webhook_secret=SecretStr("mp-sandbox-secret"),
            ),
            routes={"MXN": "mercadopago", "COP": "mercadopago", "BRL": "pix"},
            default="stripe",
        ),
        # The Reassigned Numbers Database (``rnd_api``): the provider base URL points
        # the client at the sandbox, as it does every adapter.
        rnd=RndCredentials(
            refresh_token=SecretStr(rnd_api.REFRESH_TOKEN), company_id=rnd_api.COMPANY_ID
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
    received_at: float = 0.0  # Unix seconds on the sandbox's clock, stamped by ``_record``
    webhooks: list[str] = field(default_factory=list)
    # What the debtor sees beyond ``text``: e-mail subject, HTML and headers.
    subject: str | None = None
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def refused_at_send(to: str) -> bool:
    return to.endswith("0000") or to.lower().startswith("invalid")


def fails_after_send(to: str) -> bool:
    return to.endswith("1111") or to.lower().startswith("bounce")


#: Who picks up a call: a person, an answering machine or a fax.
Answerer = Literal["human", "machine", "fax"]


class SandboxCore:
    """State and plumbing shared by every provider's sandbox endpoints."""

    def __init__(
        self,
        credentials: ProviderCredentials,
        *,
        sendgrid_private_key: ec.EllipticCurvePrivateKey | None = None,
        webhook_base_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_delay_s: float = 0.0,
        clock: Clock = WALL_CLOCK,
    ) -> None:
        self.creds = credentials
        # The providers' clock: when a message was delivered or a reply sent. In the demo
        # the sandbox is the world, so it runs on the demo's clock; the signatures' own
        # timestamps stay wall time, since our verifiers check them against the wall.
        self._clock = clock
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
        #: Other sandboxes' routes served from this one server (``stack``: payments).
        self.mounts: list[Callable[[web.UrlDispatcher], None]] = []
        #: Who answers a number's calls, set by tests (``answerer``).
        self.answerers: dict[str, Answerer] = {}

    def answerer(self, to: str) -> Answerer:
        """Who answers a call to ``to``: as set in ``answerers``, else by the number
        (ending 2222 a machine, 3333 a fax, anything else a person). Vonage's numbers
        come without the "+"; either spelling matches."""
        set_for = {number.lstrip("+"): who for number, who in self.answerers.items()}
        if to.lstrip("+") in set_for:
            return set_for[to.lstrip("+")]
        if to.endswith("2222"):
            return "machine"
        return "fax" if to.endswith("3333") else "human"

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
        msg.received_at = self._clock.now().timestamp()
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
