"""PIX in Brazil, through Mercado Pago's payments API.

Why PIX as the third method: it is how most Brazilians pay (instant, 24/7, no
card needed), and it settles in seconds, so the ``payment`` event cancels the
debtor's pending contacts while the conversation is still warm; OXXO vouchers
and boletos settle in one to three days. It rides the Mercado Pago account and
webhook already verified here: a PIX payment is created with
``payment_method_id=pix`` and the debtor is sent to its ``ticket_url`` (the QR
code and copy-paste key); its notifications are Mercado Pago's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp

from recaudo.channels.payments.base import Checkout, CheckoutOrder, PaymentNotice, to_major
from recaudo.channels.payments.mercadopago import MercadoPagoProvider
from recaudo.foundation.errors import PermanentProviderError

if TYPE_CHECKING:
    from recaudo.channels.webhooks.base import WebhookRequest


class PixProvider:
    name = "pix"
    webhook = "mercadopago"

    def __init__(self, mercadopago: MercadoPagoProvider) -> None:
        self._mp = mercadopago

    async def create_checkout(self, order: CheckoutOrder, http: aiohttp.ClientSession) -> Checkout:
        if order.currency != "BRL":
            raise PermanentProviderError(f"PIX takes BRL only, not {order.currency}")
        payment = {
            "transaction_amount": float(to_major(order.amount_minor, order.currency)),
            "description": order.description,
            "payment_method_id": "pix",
            # Mercado Pago requires a payer e-mail for PIX.
            "payer": {"email": order.payer_email or f"{order.debtor_id}@example.invalid"},
            "external_reference": order.contact_id,
            "metadata": order.metadata(),
            "notification_url": order.notify_url,
        }
        body = await self._mp.call(http, "POST", "/v1/payments", payment, order.idempotency_key)
        url = body["point_of_interaction"]["transaction_data"]["ticket_url"]
        return Checkout(self.name, str(body["id"]), str(url))

    def verify(self, request: WebhookRequest) -> Any:
        return self._mp.verify(request)

    async def notices(self, payload: Any, http: aiohttp.ClientSession) -> list[PaymentNotice]:
        return await self._mp.notices(payload, http)
