"""The port every payment provider implements, and the money conversions they share.

A checkout carries our references (tenant, debtor, account, contact) as the
provider's metadata, so its webhook names whose payment it is without a lookup;
the webhook is verified on the raw bytes before anything in it is believed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol

import aiohttp
from babel.numbers import get_currency_precision
from pydantic import BaseModel, ConfigDict, SecretStr

from recaudo.contracts.events import PaymentMethod

if TYPE_CHECKING:
    from recaudo.channels.webhooks.base import WebhookRequest

ProviderName = Literal["stripe", "mercadopago", "pix"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StripeAccount(_Frozen):
    secret_key: SecretStr
    # The endpoint's signing secret (``whsec_...``) from the Stripe dashboard.
    webhook_secret: SecretStr
    api_base: str = "https://api.stripe.com"


class MercadoPagoAccount(_Frozen):
    access_token: SecretStr
    # "Your integrations > Webhooks": the secret that signs ``x-signature``.
    webhook_secret: SecretStr
    api_base: str = "https://api.mercadopago.com"


class PaymentAccounts(_Frozen):
    """The lender's payment-provider accounts and which one takes which currency."""

    stripe: StripeAccount | None = None
    mercadopago: MercadoPagoAccount | None = None
    # Currency -> provider, e.g. {"BRL": "pix", "COP": "mercadopago"}; others: ``default``.
    routes: dict[str, ProviderName] = {}
    default: ProviderName = "stripe"
    # Seconds a signed webhook stays acceptable (replays of older ones are refused).
    tolerance_s: int = 300

    def provider_for(self, currency: str) -> ProviderName:
        return self.routes.get(currency, self.default)


@dataclass(frozen=True, slots=True)
class CheckoutOrder:
    """What the debtor is about to pay and whose it is."""

    tenant_id: str
    debtor_id: str
    account_id: str
    contact_id: str
    amount_minor: int
    currency: str
    description: str
    language: str
    return_url: str
    notify_url: str
    # Same order, same key: a double tap opens one checkout, not two.
    idempotency_key: str
    payer_email: str | None = None

    def metadata(self) -> dict[str, str]:
        return {
            "tenant_id": self.tenant_id,
            "debtor_id": self.debtor_id,
            "account_id": self.account_id,
            "contact_id": self.contact_id,
        }


@dataclass(frozen=True, slots=True)
class Checkout:
    provider: str
    checkout_id: str
    url: str


@dataclass(frozen=True, slots=True)
class PaymentNotice:
    """A provider's payment (or, with ``reversal_of``, a refund or chargeback of one)."""

    provider: str
    payment_id: str
    amount_minor: int
    currency: str
    method: PaymentMethod
    paid_at: dt.datetime
    reversal_of: str | None = None
    # Our references from the checkout's metadata; None when the provider's object
    # does not carry them (a Stripe dispute): the service looks the payment up.
    tenant_id: str | None = None
    debtor_id: str | None = None
    account_id: str | None = None


class Publisher(Protocol):
    """Where payment events go (``foundation.kafka.KafkaPublisher``): acked on return."""

    async def publish(self, topic: str, key: str, value: bytes) -> None: ...


class PaymentProvider(Protocol):
    name: str
    #: The provider whose webhook reports this one's payments (PIX: Mercado Pago's).
    webhook: str

    async def create_checkout(self, order: CheckoutOrder, http: aiohttp.ClientSession) -> Checkout:
        """Open a checkout at the provider; raises ``ProviderError``."""
        ...

    def verify(self, request: WebhookRequest) -> Any:
        """The webhook's verified payload; ``SignatureError`` or ``InvalidEvent`` (a
        body that is no notification at all, e.g. not JSON) otherwise."""
        ...

    async def notices(self, payload: Any, http: aiohttp.ClientSession) -> list[PaymentNotice]:
        """The payments and reversals a verified payload reports (none: not ours);
        ``InvalidEvent`` for one we cannot use (the service acknowledges it and keeps
        a dead letter), ``ProviderError`` for a read-back that failed."""
        ...


def exponent(currency: str) -> int:
    """ISO 4217 minor-unit digits (COP 2, CLP 0): the contract's minor units."""
    return int(get_currency_precision(currency))


def to_major(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-exponent(currency))


def to_minor(amount: Any, currency: str) -> int:
    """A provider's decimal amount (JSON number or string) in minor units, exactly."""
    return int((Decimal(str(amount)).scaleb(exponent(currency))).to_integral_value())


def instant(epoch_s: Any) -> dt.datetime:
    """Epoch seconds as an aware instant; ValueError for one no datetime holds
    (``fromtimestamp`` raises OverflowError or OSError there, which read as outages)."""
    try:
        return dt.datetime.fromtimestamp(int(epoch_s), dt.UTC)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"epoch seconds out of range: {epoch_s!r}") from exc
