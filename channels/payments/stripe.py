"""Stripe: a Checkout Session per order, payments from its signed webhook.

The webhook is verified with the official SDK (``stripe.WebhookSignature.verify_header``:
HMAC-SHA256 over ``t.body`` in ``Stripe-Signature``, 300 s tolerance). Events:

- ``checkout.session.completed`` (``payment_status`` paid) and
  ``checkout.session.async_payment_succeeded`` (OXXO, boleto): the payment, its
  id the PaymentIntent's, matched by the session's metadata;
- ``charge.refunded``: a reversal of the amount refunded since the previous
  event (``previous_attributes``), so partial refunds each reverse their part;
- ``charge.dispute.funds_withdrawn``: a chargeback, reversing the disputed amount.

Any other type is acknowledged and ignored. The session is created over plain
HTTP (Stripe's form encoding) rather than the SDK's blocking client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp
import orjson
import stripe as stripe_sdk

from recaudo.channels.payments.base import (
    Checkout,
    CheckoutOrder,
    PaymentNotice,
    StripeAccount,
    instant,
)
from recaudo.contracts.events import PaymentMethod
from recaudo.foundation.errors import (
    InvalidEvent,
    PermanentProviderError,
    RetryableProviderError,
    SignatureError,
)

if TYPE_CHECKING:
    from recaudo.channels.webhooks.base import WebhookRequest

#: Stripe Checkout's locales for the languages the page speaks.
LOCALES = {"es": "es", "en": "en", "pt": "pt-BR"}
METHODS = {"card": PaymentMethod.CARD, "oxxo": PaymentMethod.CASH, "boleto": PaymentMethod.CASH}


def session_form(order: CheckoutOrder) -> list[tuple[str, str]]:
    """The Checkout Session request in Stripe's bracketed form encoding."""
    item = "line_items[0]"
    form = [
        ("mode", "payment"),
        (f"{item}[quantity]", "1"),
        (f"{item}[price_data][currency]", order.currency.lower()),
        (f"{item}[price_data][unit_amount]", str(order.amount_minor)),
        (f"{item}[price_data][product_data][name]", order.description),
        ("success_url", order.return_url + "?paid=1"),
        ("cancel_url", order.return_url),
        ("client_reference_id", order.contact_id),
        ("locale", LOCALES.get(order.language.split("-")[0], "auto")),
    ]
    for key, value in order.metadata().items():
        form.append((f"metadata[{key}]", value))
        # Copied to the PaymentIntent, hence to its charges: refunds match too.
        form.append((f"payment_intent_data[metadata][{key}]", value))
    return form


class StripeProvider:
    name = "stripe"
    webhook = "stripe"

    def __init__(
        self, account: StripeAccount, *, api_base: str | None = None, tolerance_s: int = 300
    ) -> None:
        self._account = account
        self._api = (api_base or account.api_base).rstrip("/")
        self._tolerance = tolerance_s

    async def create_checkout(self, order: CheckoutOrder, http: aiohttp.ClientSession) -> Checkout:
        headers = {
            "Authorization": f"Bearer {self._account.secret_key.get_secret_value()}",
            "Idempotency-Key": order.idempotency_key,
        }
        async with http.post(
            f"{self._api}/v1/checkout/sessions", data=session_form(order), headers=headers
        ) as resp:
            body = await resp.json(content_type=None)
            if resp.status >= 500 or resp.status == 429:
                raise RetryableProviderError(f"stripe answered {resp.status}")
            if resp.status >= 400:
                message = (body or {}).get("error", {}).get("message", "refused")
                raise PermanentProviderError(f"stripe refused the session: {message}")
        return Checkout(self.name, str(body["id"]), str(body["url"]))

    def verify(self, request: WebhookRequest) -> Any:
        # The signature first, on its own: a signed event of the wrong shape is then
        # Stripe's own, which ``notices`` finds unusable (acknowledged, a dead letter).
        secret = self._account.webhook_secret.get_secret_value()
        try:
            stripe_sdk.WebhookSignature.verify_header(
                request.body, request.headers.get("Stripe-Signature"), secret, self._tolerance
            )
        except stripe_sdk.SignatureVerificationError as exc:
            raise SignatureError(f"Stripe-Signature: {exc.user_message or 'invalid'}") from None
        except (ValueError, TypeError):
            # A body that is not UTF-8, a header that is not ASCII: Stripe signs neither.
            raise SignatureError("Stripe-Signature: invalid") from None
        try:
            return orjson.loads(request.body)
        except orjson.JSONDecodeError:
            return request.body  # signed, so Stripe's: ``notices`` finds it unusable

    async def notices(self, payload: Any, http: aiohttp.ClientSession) -> list[PaymentNotice]:
        if not isinstance(payload, dict):
            raise InvalidEvent("body is not a Stripe event (a JSON object)")
        try:
            return _notices(payload)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # AttributeError: an object where Stripe's shape has a mapping (``.get``).
            raise InvalidEvent(f"Stripe event without {exc}") from None


def _notices(event: dict[str, Any]) -> list[PaymentNotice]:
    kind, obj = event["type"], event["data"]["object"]
    at = instant(event["created"])
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if obj.get("payment_status") != "paid" or not obj.get("payment_intent"):
            return []  # a delayed method still pending: its async_payment_succeeded follows
        meta = obj.get("metadata") or {}
        types = obj.get("payment_method_types") or []
        one = types[0] if len(types) == 1 else ""
        method = METHODS.get(one, PaymentMethod.OTHER)
        return [
            PaymentNotice(
                "stripe",
                str(obj["payment_intent"]),
                int(obj["amount_total"]),
                str(obj["currency"]).upper(),
                method,
                at,
                tenant_id=meta.get("tenant_id"),
                debtor_id=meta.get("debtor_id"),
                account_id=meta.get("account_id"),
            )
        ]
    if kind == "charge.refunded":
        before = int((event["data"].get("previous_attributes") or {}).get("amount_refunded", 0))
        amount = int(obj["amount_refunded"]) - before
        if amount <= 0 or not obj.get("payment_intent"):
            return []
        meta = obj.get("metadata") or {}
        return [
            PaymentNotice(
                "stripe",
                f"{obj['id']}:refunded:{obj['amount_refunded']}",
                amount,
                str(obj["currency"]).upper(),
                PaymentMethod.OTHER,
                at,
                reversal_of=str(obj["payment_intent"]),
                tenant_id=meta.get("tenant_id"),
                debtor_id=meta.get("debtor_id"),
                account_id=meta.get("account_id"),
            )
        ]
    if kind == "charge.dispute.funds_withdrawn" and obj.get("payment_intent"):
        return [
            PaymentNotice(
                "stripe",
                str(obj["id"]),
                int(obj["amount"]),
                str(obj["currency"]).upper(),
                PaymentMethod.OTHER,
                at,
                reversal_of=str(obj["payment_intent"]),
            )
        ]
    return []
