"""Mercado Pago: a Checkout Pro preference per order, payments from its webhook.

``x-signature: ts=<ts>,v1=<hex>`` is HMAC-SHA256 under the application's
webhook secret over the manifest ``id:<data.id>;request-id:<x-request-id>;ts:<ts>;``,
where ``data.id`` is the notification URL's query parameter (lower-cased when
alphanumeric) and any part the notification lacks is left out of the manifest
(Mercado Pago Developers, "Webhooks > Validate notification origin"). The
``ts`` is checked against a tolerance (seconds or milliseconds: both are seen).

The notification says only which payment changed, so the payment is read back
from the API with our token: its status, amount, metadata (copied from the
preference) and refunds. An approved payment is a ``payment``; each refund,
and a chargeback (status ``charged_back``), a reversal of it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp
import orjson
from pydantic import TypeAdapter

from recaudo.channels.payments.base import (
    Checkout,
    CheckoutOrder,
    MercadoPagoAccount,
    PaymentNotice,
    to_major,
    to_minor,
)
from recaudo.contracts.events import Instant, PaymentMethod
from recaudo.foundation.errors import (
    InvalidEvent,
    PermanentProviderError,
    RetryableProviderError,
    SignatureError,
)

if TYPE_CHECKING:
    from recaudo.channels.webhooks.base import WebhookRequest

METHODS = {
    "credit_card": PaymentMethod.CARD,
    "debit_card": PaymentMethod.CARD,
    "prepaid_card": PaymentMethod.CARD,
    "bank_transfer": PaymentMethod.BANK_TRANSFER,  # PIX, PSE
    "ticket": PaymentMethod.CASH,  # OXXO, boleto, Efecty
    "atm": PaymentMethod.CASH,
}
SETTLED = frozenset({"approved", "refunded", "charged_back", "in_mediation"})
_INSTANT: TypeAdapter[Any] = TypeAdapter(Instant)


def manifest(data_id: str | None, request_id: str | None, ts: str) -> str:
    """The signed string, absent parts left out as the documentation says."""
    out = ""
    if data_id:
        out += f"id:{data_id.lower() if data_id.isalnum() else data_id};"
    if request_id:
        out += f"request-id:{request_id};"
    return out + f"ts:{ts};"


def sign(secret: str, data_id: str | None, request_id: str | None, ts: str) -> str:
    """The ``x-signature`` header Mercado Pago would send (the sandbox and tests)."""
    digest = hmac.new(
        secret.encode(), manifest(data_id, request_id, ts).encode(), hashlib.sha256
    ).hexdigest()
    return f"ts={ts},v1={digest}"


def verify_signature(
    secret: str,
    header: str | None,
    data_id: str | None,
    request_id: str | None,
    *,
    now: float,
    tolerance_s: int,
) -> None:
    """Raise ``SignatureError`` unless ``header`` signs this notification recently."""
    if not header:
        raise SignatureError("x-signature: missing")
    parts = dict(p.strip().partition("=")[::2] for p in header.split(","))
    ts, v1 = parts.get("ts", ""), parts.get("v1", "")
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if not (ts.isascii() and ts.isdigit()) or not v1:
        raise SignatureError("x-signature: no ts or v1")
    try:
        expected = sign(secret, data_id, request_id, ts).rpartition("v1=")[2]
    except UnicodeEncodeError:
        # aiohttp hands header and query bytes that are not UTF-8 over as lone surrogates.
        raise SignatureError("x-signature: the id or x-request-id is not text") from None
    # Bytes: compare_digest refuses str that is not ASCII (a TypeError, not a refusal).
    given = v1.lower().encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(expected.encode(), given):
        raise SignatureError("x-signature: does not match")
    seconds = int(ts) / 1000 if len(ts) > 11 else int(ts)
    if abs(now - seconds) > tolerance_s:
        raise SignatureError("x-signature: timestamp outside the tolerance")


class MercadoPagoProvider:
    name = "mercadopago"
    webhook = "mercadopago"

    def __init__(
        self, account: MercadoPagoAccount, *, api_base: str | None = None, tolerance_s: int = 300
    ) -> None:
        self.account = account
        self.api = (api_base or account.api_base).rstrip("/")
        self._tolerance = tolerance_s

    def headers(self, idempotency_key: str | None = None) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.account.access_token.get_secret_value()}"}
        if idempotency_key:
            out["X-Idempotency-Key"] = idempotency_key
        return out

    async def create_checkout(self, order: CheckoutOrder, http: aiohttp.ClientSession) -> Checkout:
        preference = {
            "items": [
                {
                    "id": order.account_id,
                    "title": order.description,
                    "quantity": 1,
                    "currency_id": order.currency,
                    "unit_price": float(to_major(order.amount_minor, order.currency)),
                }
            ],
            "external_reference": order.contact_id,
            "metadata": order.metadata(),
            "notification_url": order.notify_url,
            "back_urls": {
                "success": order.return_url + "?paid=1",
                "pending": order.return_url + "?paid=1",
                "failure": order.return_url,
            },
            "auto_return": "approved",
        }
        if order.payer_email:
            preference["payer"] = {"email": order.payer_email}
        key = order.idempotency_key
        body = await self.call(http, "POST", "/checkout/preferences", preference, key)
        return Checkout(self.name, str(body["id"]), str(body["init_point"]))

    async def call(
        self,
        http: aiohttp.ClientSession,
        method: str,
        path: str,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        status, body = await self._request(http, method, path, json, idempotency_key)
        return _answer(path, status, body)

    async def _request(
        self,
        http: aiohttp.ClientSession,
        method: str,
        path: str,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> tuple[int, Any]:
        """The status and JSON body; a body that is not JSON (a proxy's error page)
        is None, so the status alone decides."""
        async with http.request(
            method, self.api + path, json=json, headers=self.headers(idempotency_key)
        ) as resp:
            try:
                return resp.status, orjson.loads(await resp.read())
            except orjson.JSONDecodeError:
                return resp.status, None

    def verify(self, request: WebhookRequest) -> Any:
        # The signature covers the URL's data.id, not the body: checked before the
        # body is read (a notification without the query names its id in the body).
        data_id = request.query.get("data.id") or _body_id(request.body)
        verify_signature(
            self.account.webhook_secret.get_secret_value(),
            request.headers.get("x-signature"),
            data_id,
            request.headers.get("x-request-id"),
            now=time.time(),
            tolerance_s=self._tolerance,
        )
        try:
            body = orjson.loads(request.body)
        except orjson.JSONDecodeError:
            raise InvalidEvent("body is not JSON") from None
        if not isinstance(body, dict):
            raise InvalidEvent("body is not a notification object")
        return {"type": body.get("type") or request.query.get("type"), "id": data_id}

    async def notices(self, payload: Any, http: aiohttp.ClientSession) -> list[PaymentNotice]:
        if payload.get("type") != "payment" or not payload.get("id"):
            return []  # merchant orders, plans...: not payments
        pid = str(payload["id"])
        # Quoted: the id is the notification's, and must not become a path of its own.
        path = f"/v1/payments/{quote(pid, safe='')}"
        status, payment = await self._request(http, "GET", path)
        if status == 404:
            # Retrying cannot make it exist: acknowledged and kept as a dead letter.
            raise InvalidEvent(f"Mercado Pago has no payment {pid[:64]!r}")
        payment = _answer(path, status, payment)
        try:
            return payment_notices(payment)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise InvalidEvent(f"Mercado Pago payment without {exc}") from None


def _answer(path: str, status: int, body: Any) -> Any:
    """The body of a successful answer, else the provider error its status means."""
    if status >= 500 or status == 429:
        raise RetryableProviderError(f"mercadopago answered {status}")
    if status >= 400:
        message = body.get("message", status) if isinstance(body, dict) else status
        raise PermanentProviderError(f"mercadopago refused {path}: {message}")
    if not isinstance(body, dict):
        raise RetryableProviderError(f"mercadopago answered {status} without a JSON object")
    return body


def _body_id(body: bytes) -> str | None:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    data = parsed.get("data") if isinstance(parsed, dict) else None
    value = data.get("id") if isinstance(data, dict) else None
    return str(value) if value is not None else None


def payment_notices(payment: dict[str, Any]) -> list[PaymentNotice]:
    """A payment as read from ``GET /v1/payments/{id}``: itself and its reversals."""
    if payment["status"] not in SETTLED:
        return []
    meta = payment.get("metadata") or {}
    currency = str(payment["currency_id"])
    pid = str(payment["id"])
    refs = {
        "tenant_id": meta.get("tenant_id"),
        "debtor_id": meta.get("debtor_id"),
        "account_id": meta.get("account_id"),
    }
    method = METHODS.get(str(payment.get("payment_type_id")), PaymentMethod.OTHER)
    paid_at = _INSTANT.validate_python(payment.get("date_approved") or payment["date_created"])
    total = to_minor(payment["transaction_amount"], currency)
    out = [PaymentNotice("mercadopago", pid, total, currency, method, paid_at, **refs)]
    refunded = 0
    for refund in payment.get("refunds") or []:
        amount = to_minor(refund["amount"], currency)
        refunded += amount
        out.append(
            PaymentNotice(
                "mercadopago",
                f"{pid}:refund:{refund['id']}",
                amount,
                currency,
                method,
                _INSTANT.validate_python(refund.get("date_created") or paid_at.isoformat()),
                reversal_of=pid,
                **refs,
            )
        )
    if payment["status"] == "charged_back" and total > refunded:
        out.append(
            PaymentNotice(
                "mercadopago",
                f"{pid}:chargeback",
                total - refunded,
                currency,
                method,
                _INSTANT.validate_python(payment.get("date_last_updated") or paid_at.isoformat()),
                reversal_of=pid,
                **refs,
            )
        )
    return out
