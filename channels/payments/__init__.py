"""Payment providers behind the pay link: a checkout out, a signed payment webhook in.

Each module is one provider speaking its real API (Stripe Checkout Sessions,
Mercado Pago Checkout Pro, PIX through Mercado Pago's payments API); ``base``
holds the port they share and ``service`` turns a verified webhook into
``payment`` events (reversals for refunds and chargebacks) on the payments
topic, once per provider payment id.
"""

from recaudo.channels.payments.base import (
    Checkout,
    CheckoutOrder,
    PaymentAccounts,
    PaymentNotice,
    PaymentProvider,
)
from recaudo.channels.payments.service import PaymentService, build_providers

__all__ = [
    "Checkout",
    "CheckoutOrder",
    "PaymentAccounts",
    "PaymentNotice",
    "PaymentProvider",
    "PaymentService",
    "build_providers",
]
