"""Stripe and Mercado Pago as the sandbox plays them: checkouts in, signed webhooks out.

The request fields, response shapes, webhook payloads and signatures are the
providers' own (Stripe: ``POST /v1/checkout/sessions`` in form encoding, events
signed ``t=..,v1=HMAC-SHA256(t.body)``; Mercado Pago: ``POST /checkout/preferences``,
``POST /v1/payments`` for PIX, ``GET /v1/payments/{id}``, notifications signed
per the documented ``x-signature`` manifest), so the real adapters in
``channels.payments`` run end to end. A test or the demo then plays the debtor
and the bank: ``pay``, ``refund``, ``chargeback``, and ``redeliver`` (a
provider's retry of the last webhook).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from recaudo.channels.payments.base import PaymentAccounts, to_major, to_minor
from recaudo.channels.payments.mercadopago import sign as mp_sign
from recaudo.foundation.clock import WALL_CLOCK, Clock


@dataclass
class SandboxCheckout:
    """One checkout as the provider holds it, and the payment it became."""

    provider: str
    checkout_id: str
    currency: str
    amount_minor: int
    metadata: dict[str, str]
    request: dict[str, Any]
    notify_url: str | None = None
    payment_id: str | None = None
    refunded_minor: int = 0
    refunds: list[dict[str, Any]] = field(default_factory=list)
    status: str = "open"


def _iso(at: dt.datetime) -> str:
    return at.isoformat(timespec="milliseconds")


class PaymentsSandbox:
    """Stripe's and Mercado Pago's APIs on one loopback server (composition, not a mixin)."""

    def __init__(
        self, accounts: PaymentAccounts, webhook_base_url: str, *, clock: Clock = WALL_CLOCK
    ) -> None:
        self.accounts = accounts
        # When a payment was made or refunded (the demo's clock there); the signatures'
        # timestamps stay wall time, since our verifiers check them against the wall.
        self._clock = clock
        self.webhook_base_url = webhook_base_url.rstrip("/")
        self.checkouts: dict[str, SandboxCheckout] = {}
        self.webhook_results: list[tuple[str, int]] = []
        self._last: tuple[str, bytes, dict[str, str], str] | None = None
        self._seq = itertools.count(1_000_001)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def __aenter__(self) -> PaymentsSandbox:
        app = web.Application()
        self.add_routes(app.router)
        self._session = aiohttp.ClientSession()
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def served_at(self, url: str) -> None:
        """Served by another server (``add_routes`` mounted there): the demo's stack
        keeps every provider on one loopback address."""
        self._session = aiohttp.ClientSession()
        self.url = url

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/checkout/sessions", self._stripe_session)
        router.add_post("/checkout/preferences", self._mp_preference)
        router.add_post("/v1/payments", self._mp_pix)
        router.add_get("/v1/payments/{id}", self._mp_payment)

    # -- the providers' APIs ---------------------------------------------------------------

    async def _stripe_session(self, request: web.Request) -> web.Response:
        account = self.accounts.stripe
        auth = request.headers.get("Authorization", "")
        if account is None or auth != f"Bearer {account.secret_key.get_secret_value()}":
            error = {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}
            return web.json_response(error, status=401)
        form = dict(await request.post())
        fields = {k: str(v) for k, v in form.items()}
        meta = {k[9:-1]: v for k, v in fields.items() if k.startswith("metadata[")}
        currency = fields["line_items[0][price_data][currency]"].upper()
        amount = int(fields["line_items[0][price_data][unit_amount]"])
        cs = "cs_test_" + secrets.token_hex(12)
        self.checkouts[cs] = SandboxCheckout("stripe", cs, currency, amount, meta, fields)
        return web.json_response(
            {
                "id": cs,
                "object": "checkout.session",
                "amount_total": amount,
                "currency": currency.lower(),
                "client_reference_id": fields.get("client_reference_id"),
                "metadata": meta,
                "mode": "payment",
                "payment_status": "unpaid",
                "status": "open",
                "url": f"{self.url}/c/pay/{cs}",
            }
        )

    def _mp_authorised(self, request: web.Request) -> bool:
        account = self.accounts.mercadopago
        token = account.access_token.get_secret_value() if account else None
        return token is not None and request.headers.get("Authorization") == f"Bearer {token}"

    async def _mp_preference(self, request: web.Request) -> web.Response:
        if not self._mp_authorised(request):
            return web.json_response({"message": "invalid access token", "status": 401}, status=401)
        body = orjson.loads(await request.read())
        item = body["items"][0]
        currency = item["currency_id"]
        amount = to_minor(Decimal(str(item["unit_price"])) * int(item["quantity"]), currency)
        pref = f"{next(self._seq)}-{secrets.token_hex(4)}"
        checkout = SandboxCheckout(
            "mercadopago",
            pref,
            currency,
            amount,
            body.get("metadata") or {},
            body,
            notify_url=body.get("notification_url"),
        )
        self.checkouts[pref] = checkout
        return web.json_response(
            {
                "id": pref,
                "items": body["items"],
                "external_reference": body.get("external_reference"),
                "metadata": checkout.metadata,
                "notification_url": checkout.notify_url,
                "init_point": f"{self.url}/checkout/v1/redirect?pref_id={pref}",
                "sandbox_init_point": f"{self.url}/checkout/v1/redirect?pref_id={pref}",
            },
            status=201,
        )

    async def _mp_pix(self, request: web.Request) -> web.Response:
        if not self._mp_authorised(request):
            return web.json_response({"message": "invalid access token", "status": 401}, status=401)
        if not request.headers.get("X-Idempotency-Key"):
            return web.json_response({"message": "X-Idempotency-Key required"}, status=400)
        body = orjson.loads(await request.read())
        if body.get("payment_method_id") != "pix" or not (body.get("payer") or {}).get("email"):
            return web.json_response({"message": "payer.email required", "status": 400}, status=400)
        pid = str(next(self._seq))
        amount = to_minor(body["transaction_amount"], "BRL")
        checkout = SandboxCheckout(
            "pix",
            pid,
            "BRL",
            amount,
            body.get("metadata") or {},
            body,
            notify_url=body.get("notification_url"),
            payment_id=pid,
            status="pending",
        )
        self.checkouts[pid] = checkout
        answer = self._mp_payment_body(checkout)
        answer["point_of_interaction"] = {
            "type": "PIX",
            "transaction_data": {
                "qr_code": "00020126580014br.gov.bcb.pix0136" + secrets.token_hex(8),
                "ticket_url": f"{self.url}/payments/{pid}/ticket?caller_id=1",
            },
        }
        return web.json_response(answer, status=201)

    async def _mp_payment(self, request: web.Request) -> web.Response:
        if not self._mp_authorised(request):
            return web.json_response({"message": "invalid access token", "status": 401}, status=401)
        for checkout in self.checkouts.values():
            if checkout.provider != "stripe" and checkout.payment_id == request.match_info["id"]:
                return web.json_response(self._mp_payment_body(checkout))
        return web.json_response({"message": "Payment not found", "status": 404}, status=404)

    def _mp_payment_body(self, c: SandboxCheckout) -> dict[str, Any]:
        now = _iso(self._clock.now())
        pix = c.provider == "pix"
        return {
            "id": int(c.payment_id or 0),
            "status": c.status,
            "status_detail": "accredited" if c.status == "approved" else c.status,
            "currency_id": c.currency,
            "transaction_amount": float(to_major(c.amount_minor, c.currency)),
            "transaction_amount_refunded": float(to_major(c.refunded_minor, c.currency)),
            "date_created": now,
            "date_approved": now if c.status != "pending" else None,
            "date_last_updated": now,
            "payment_method_id": "pix" if pix else "visa",
            "payment_type_id": "bank_transfer" if pix else "credit_card",
            "external_reference": c.request.get("external_reference"),
            "metadata": c.metadata,
            "refunds": c.refunds,
            "live_mode": False,
        }

    # -- the debtor and the bank -----------------------------------------------------------

    async def pay(self, checkout_id: str) -> int:
        """The debtor completes the checkout; returns our webhook route's status."""
        c = self.checkouts[checkout_id]
        c.status = "approved"
        if c.provider == "stripe":
            c.payment_id = c.payment_id or "pi_" + secrets.token_hex(12)
            session = {
                "id": c.checkout_id,
                "object": "checkout.session",
                "amount_subtotal": c.amount_minor,
                "amount_total": c.amount_minor,
                "client_reference_id": c.request.get("client_reference_id"),
                "currency": c.currency.lower(),
                "metadata": c.metadata,
                "mode": "payment",
                "payment_intent": c.payment_id,
                "payment_method_types": ["card"],
                "payment_status": "paid",
                "status": "complete",
                "success_url": c.request.get("success_url"),
                "cancel_url": c.request.get("cancel_url"),
            }
            return await self._stripe_event("checkout.session.completed", session)
        c.payment_id = c.payment_id or str(next(self._seq))
        return await self._mp_notify(c, "payment.created")

    async def refund(self, checkout_id: str, amount_minor: int | None = None) -> int:
        c = self.checkouts[checkout_id]
        amount = amount_minor or c.amount_minor - c.refunded_minor
        before = c.refunded_minor
        c.refunded_minor += amount
        if c.provider == "stripe":
            charge = self._stripe_charge(c)
            charge["amount_refunded"] = c.refunded_minor
            charge["refunded"] = c.refunded_minor >= c.amount_minor
            previous = {"amount_refunded": before, "refunded": False}
            return await self._stripe_event("charge.refunded", charge, previous)
        c.refunds.append(
            {
                "id": next(self._seq),
                "payment_id": int(c.payment_id or 0),
                "amount": float(to_major(amount, c.currency)),
                "date_created": _iso(self._clock.now()),
                "status": "approved",
            }
        )
        c.status = "refunded" if c.refunded_minor >= c.amount_minor else "approved"
        return await self._mp_notify(c, "payment.updated")

    async def chargeback(self, checkout_id: str) -> int:
        c = self.checkouts[checkout_id]
        if c.provider == "stripe":
            dispute = {
                "id": "dp_" + secrets.token_hex(12),
                "object": "dispute",
                "amount": c.amount_minor - c.refunded_minor,
                "currency": c.currency.lower(),
                "charge": "ch_" + (c.payment_id or "")[3:],
                "payment_intent": c.payment_id,
                "reason": "fraudulent",
                "status": "needs_response",
                "metadata": {},
            }
            return await self._stripe_event("charge.dispute.funds_withdrawn", dispute)
        c.status = "charged_back"
        return await self._mp_notify(c, "payment.updated")

    async def redeliver(self) -> int:
        """The provider's retry of the last webhook: same event, freshly signed."""
        assert self._last is not None, "no webhook sent yet"
        provider, body, _headers, url = self._last
        if provider == "stripe":
            return await self._post(url, body, self._stripe_headers(body), provider)
        data_id = url.partition("data.id=")[2].partition("&")[0]
        return await self._post(url, body, self._mp_headers(data_id), provider)

    # -- webhooks --------------------------------------------------------------------------

    def _stripe_charge(self, c: SandboxCheckout) -> dict[str, Any]:
        return {
            "id": "ch_" + (c.payment_id or "")[3:],
            "object": "charge",
            "amount": c.amount_minor,
            "currency": c.currency.lower(),
            "metadata": c.metadata,  # payment_intent_data.metadata, copied to the charge
            "payment_intent": c.payment_id,
            "paid": True,
            "status": "succeeded",
        }

    def _stripe_headers(self, body: bytes, at: int | None = None) -> dict[str, str]:
        assert self.accounts.stripe is not None
        secret = self.accounts.stripe.webhook_secret.get_secret_value()
        ts = at or int(time.time())
        digest = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
        return {"Stripe-Signature": f"t={ts},v1={digest}", "Content-Type": "application/json"}

    async def _stripe_event(
        self, kind: str, obj: dict[str, Any], previous: dict[str, Any] | None = None
    ) -> int:
        data: dict[str, Any] = {"object": obj}
        if previous is not None:
            data["previous_attributes"] = previous
        event = {
            "id": "evt_" + secrets.token_hex(12),
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(self._clock.now().timestamp()),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": kind,
        }
        body = orjson.dumps(event)
        url = f"{self.webhook_base_url}/webhooks/payments/stripe"
        return await self._post(url, body, self._stripe_headers(body), "stripe")

    def _mp_headers(self, data_id: str) -> dict[str, str]:
        assert self.accounts.mercadopago is not None
        secret = self.accounts.mercadopago.webhook_secret.get_secret_value()
        request_id = secrets.token_hex(8)
        signature = mp_sign(secret, data_id, request_id, str(int(time.time() * 1000)))
        return {
            "x-signature": signature,
            "x-request-id": request_id,
            "Content-Type": "application/json",
        }

    async def _mp_notify(self, c: SandboxCheckout, action: str) -> int:
        data_id = c.payment_id or ""
        body = orjson.dumps(
            {
                "action": action,
                "api_version": "v1",
                "data": {"id": data_id},
                "date_created": _iso(self._clock.now()),
                "id": next(self._seq),
                "live_mode": False,
                "type": "payment",
                "user_id": "44444444",
            }
        )
        base = c.notify_url or f"{self.webhook_base_url}/webhooks/payments/mercadopago"
        url = f"{base}{'&' if '?' in base else '?'}data.id={data_id}&type=payment"
        return await self._post(url, body, self._mp_headers(data_id), "mercadopago")

    async def _post(self, url: str, body: bytes, headers: dict[str, str], provider: str) -> int:
        assert self._session is not None, "use the sandbox as an async context manager"
        self._last = (provider, body, headers, url)
        async with self._session.post(url, data=body, headers=headers) as resp:
            await resp.read()
            self.webhook_results.append((url, resp.status))
            return resp.status
