"""Provider webhooks in, ``payment`` events out: verified, matched, once each.

verify on the raw bytes (400) -> the provider's payments and reversals (a signed
notification we cannot read, or whose payment the provider does not know, is
acknowledged as an ``InvalidWebhook`` dead letter, once per body) -> our
tenant, debtor and account from the checkout's metadata (a reversal whose
object lacks it, like a Stripe dispute, by the payment it reverses, remembered
when the payment came) -> claim the event id (a provider's retries and the
repeated notifications of one payment publish once) -> publish to the payments
topic, keyed by debtor, as ``POST /v1/events`` does. A publish that fails
releases its claim and the error reaches the route (503): the provider retries.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from hashlib import sha256
from typing import TYPE_CHECKING

import aiohttp
import orjson
import redis.asyncio as aioredis
from pydantic import ValidationError

from recaudo.channels.dedupe import Deduper
from recaudo.channels.letters import clip, webhook_letter
from recaudo.channels.payments.base import (
    Checkout,
    CheckoutOrder,
    PaymentAccounts,
    PaymentNotice,
    PaymentProvider,
    Publisher,
)
from recaudo.channels.payments.mercadopago import MercadoPagoProvider
from recaudo.channels.payments.pix import PixProvider
from recaudo.channels.payments.stripe import StripeProvider
from recaudo.contracts.codec import encode
from recaudo.contracts.events import Money, PaymentEvent
from recaudo.contracts.topics import Topics
from recaudo.contracts.validation_errors import describe
from recaudo.foundation.errors import InvalidEvent
from recaudo.foundation.keys import Keys

if TYPE_CHECKING:
    from recaudo.channels.webhooks.base import WebhookRequest

log = logging.getLogger(__name__)
#: How long a payment's references are kept for the reversals that may follow
#: (card chargebacks come up to 120 days later).
MATCH_TTL_S = 180 * 24 * 3600


def build_providers(
    accounts: PaymentAccounts, api_base: str | None = None
) -> dict[str, PaymentProvider]:
    """Every configured provider by name; ``api_base`` sends them all to the sandbox."""
    out: dict[str, PaymentProvider] = {}
    tolerance = accounts.tolerance_s
    if accounts.stripe is not None:
        out["stripe"] = StripeProvider(accounts.stripe, api_base=api_base, tolerance_s=tolerance)
    if accounts.mercadopago is not None:
        mp = MercadoPagoProvider(accounts.mercadopago, api_base=api_base, tolerance_s=tolerance)
        out["mercadopago"] = mp
        out["pix"] = PixProvider(mp)
    return out


@dataclass(frozen=True, slots=True)
class Outcome:
    published: int
    duplicates: int
    #: Notices that match no account, or that are no payment we can enter (each
    #: of those a dead letter saying why).
    unmatched: int


class PaymentService:
    def __init__(
        self,
        accounts: PaymentAccounts,
        providers: Mapping[str, PaymentProvider],
        *,
        publisher: Publisher,
        topics: Topics,
        redis: aioredis.Redis,
        keys: Keys,
        dedupe_ttl_s: int,
        now: Callable[[], dt.datetime],
        http: Callable[[], aiohttp.ClientSession],
    ) -> None:
        self.accounts = accounts
        self.providers = dict(providers)
        self._publisher = publisher
        self._topics = topics
        self._redis = redis
        self._keys = keys
        self._deduper = Deduper(redis, keys, dedupe_ttl_s)
        self._now = now
        self._http = http

    def provider_for(self, currency: str) -> PaymentProvider | None:
        return self.providers.get(self.accounts.provider_for(currency))

    async def checkout(self, provider: PaymentProvider, order: CheckoutOrder) -> Checkout:
        return await provider.create_checkout(order, self._http())

    def webhook_provider(self, name: str) -> PaymentProvider | None:
        """The provider whose webhook ``/webhooks/payments/{name}`` receives."""
        provider = self.providers.get(name)
        return provider if provider is not None and provider.webhook == name else None

    async def receive(self, provider: PaymentProvider, request: WebhookRequest) -> Outcome:
        """Verify, then publish each new payment or reversal; raises ``SignatureError``,
        ``InvalidEvent``, ``ProviderError`` and the publisher's errors."""
        payload = provider.verify(request)
        try:
            notices = await provider.notices(payload, self._http())
        except InvalidEvent as exc:
            # A verified notification no retry will make usable (an event of the wrong
            # shape, a payment the provider does not know): acknowledged, kept for a person.
            taken = await self._unusable(provider, request, str(exc))
            return Outcome(0, 0 if taken else 1, 1 if taken else 0)
        published = duplicates = unmatched = 0
        for notice in notices:
            try:
                event = await self._event(notice)
            except ValidationError as exc:
                # Signed, so the provider's, but not a payment we can enter (an amount of
                # 0, a currency code cut short): kept as a dead letter for a person, and
                # acknowledged, or the provider would send it again for days.
                pid = clip(notice.payment_id) or ""
                why = f"{notice.provider} payment {pid}: {describe(exc)}"
                log.warning("%s", why)
                letter = webhook_letter(
                    f"webhooks/payments/{provider.webhook}",
                    request.body,
                    ("InvalidPayment", why),
                    self._now(),
                    key=pid,
                    tenant_id=_tenant(notice.tenant_id),
                )
                await self._publisher.publish(self._topics.dead_letters, pid, encode(letter))
                unmatched += 1
                continue
            if event is None:
                unmatched += 1
                log.warning("%s payment %s matches no account", notice.provider, notice.payment_id)
                continue
            scope = f"payment:{notice.provider}"
            if not await self._deduper.claim(scope, event.event_id):
                duplicates += 1
                continue
            try:
                await self._publisher.publish(self._topics.payments, event.debtor_id, encode(event))
            except BaseException:
                await self._deduper.release(scope, event.event_id)
                raise
            if notice.reversal_of is None:
                await self._remember(notice, event)
            published += 1
        return Outcome(published, duplicates, unmatched)

    async def _unusable(self, provider: PaymentProvider, request: WebhookRequest, why: str) -> bool:
        """An ``InvalidWebhook`` dead letter for a signed notification we cannot use,
        once per body (a replay is recognised); False when it was already taken."""
        scope, digest = f"payment-invalid:{provider.webhook}", sha256(request.body).hexdigest()
        if not await self._deduper.claim(scope, digest):
            return False
        log.warning("signed %s webhook not usable: %.300s", provider.webhook, why)
        letter = webhook_letter(
            f"webhooks/payments/{provider.webhook}",
            request.body,
            ("InvalidWebhook", why),
            self._now(),
            key=digest,
        )
        try:
            await self._publisher.publish(self._topics.dead_letters, digest, encode(letter))
        except BaseException:
            await self._deduper.release(scope, digest)
            raise
        return True

    def _match_key(self, provider: str, payment_id: str) -> str:
        return self._keys.global_(f"paymatch:{provider}:{payment_id}")

    async def _remember(self, notice: PaymentNotice, event: PaymentEvent) -> None:
        refs = orjson.dumps([event.tenant_id, event.debtor_id, event.account_id])
        key = self._match_key(notice.provider, notice.payment_id)
        await self._redis.set(key, refs, ex=MATCH_TTL_S)

    async def _event(self, notice: PaymentNotice) -> PaymentEvent | None:
        refs = (notice.tenant_id, notice.debtor_id, notice.account_id)
        if None in refs and notice.reversal_of is not None:
            raw = await self._redis.get(self._match_key(notice.provider, notice.reversal_of))
            refs = tuple(orjson.loads(raw)) if raw else refs
        tenant, debtor, account = refs
        if tenant is None or debtor is None or account is None:
            return None
        prefix = notice.provider + ":"
        return PaymentEvent(
            event_id=f"{prefix}{notice.payment_id}"[:128],
            tenant_id=tenant,
            occurred_at=self._now(),
            debtor_id=debtor,
            payment_id=f"{prefix}{notice.payment_id}"[:128],
            account_id=account,
            amount=Money(amount_minor=notice.amount_minor, currency=notice.currency),
            method=notice.method,
            paid_at=notice.paid_at,
            reversal_of=f"{prefix}{notice.reversal_of}" if notice.reversal_of else None,
        )


def _tenant(value: object) -> str | None:
    """The notice's tenant for a dead letter, when it is one (a letter must not fail
    on the very field that made the payment unusable)."""
    return value[:64] if isinstance(value, str) and value else None
