"""Signed but odd payment notifications: acknowledged once as dead letters, never a 500
or an endless 503 (found by a hostile-payload sweep of /webhooks/payments/{provider})."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest
import redis.asyncio as aioredis
import stripe
from multidict import CIMultiDict
from pydantic import SecretStr

from recaudo.channels.payments.base import (
    MercadoPagoAccount,
    PaymentAccounts,
    StripeAccount,
    instant,
)
from recaudo.channels.payments.mercadopago import MercadoPagoProvider, sign, verify_signature
from recaudo.channels.payments.service import PaymentService
from recaudo.channels.payments.stripe import StripeProvider
from recaudo.channels.sandbox.payments_api import PaymentsSandbox
from recaudo.channels.webhooks.base import WebhookRequest
from recaudo.contracts.topics import Topics
from recaudo.foundation.errors import InvalidEvent, SignatureError
from recaudo.foundation.keys import Keys
from tests.unit.channels.channels_testkit import FakePublisher

SECRET = "whsec_hostile"
ACCOUNTS = PaymentAccounts(
    stripe=StripeAccount(secret_key=SecretStr("sk"), webhook_secret=SecretStr(SECRET)),
    mercadopago=MercadoPagoAccount(
        access_token=SecretStr("TEST-0000-sandbox"), webhook_secret=SecretStr("mp-secret")
    ),
)
STRIPE = StripeProvider(ACCOUNTS.stripe)  # type: ignore[arg-type]  # set just above


def stripe_request(body: bytes) -> WebhookRequest:
    header = stripe.WebhookSignature.generate_signature_header(
        body.decode("utf-8", "replace"), SECRET, int(time.time())
    )
    headers = CIMultiDict({"Stripe-Signature": header})
    return WebhookRequest("POST", "https://x/", headers, {}, body, "application/json")


def event(obj: object, created: object = 1719000000) -> bytes:
    kind = "checkout.session.completed"
    return orjson.dumps({"id": "evt_1", "type": kind, "created": created, "data": {"object": obj}})


@pytest.mark.parametrize(
    "body",
    [
        event("not an object"),
        event(
            {
                "payment_status": "paid",
                "payment_intent": "pi",
                "amount_total": 1,
                "currency": "usd",
                "metadata": [1],
            }
        ),
        event({"payment_status": "paid", "payment_intent": "pi", "amount_total": 1}, 1e300),
    ],
    ids=["object-a-string", "metadata-a-list", "created-past-year-9999"],
)
async def test_a_signed_stripe_event_of_the_wrong_shape_is_invalid(body: bytes) -> None:
    payload = STRIPE.verify(stripe_request(body))
    with pytest.raises(InvalidEvent):
        await STRIPE.notices(payload, None)  # type: ignore[arg-type]  # Stripe reads no API


def test_a_body_that_is_not_utf8_is_refused_as_unsigned() -> None:
    request = stripe_request(b"\xff\xfe")
    with pytest.raises(SignatureError):
        STRIPE.verify(request)


def test_epoch_seconds_no_datetime_holds_are_a_value_error() -> None:
    for seconds in (10**20, -(10**20)):
        with pytest.raises(ValueError, match="out of range"):
            instant(seconds)
    assert instant(0) == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def test_a_signed_x_signature_whose_ts_is_no_ascii_number_is_refused() -> None:
    header = sign("mp-secret", "1", "r", "²")  # str.isdigit() says yes, int() says no
    with pytest.raises(SignatureError):
        verify_signature("mp-secret", header, "1", "r", now=time.time(), tolerance_s=300)


def test_an_x_request_id_that_is_not_text_is_refused() -> None:
    header = f"ts={int(time.time())},v1=00"
    with pytest.raises(SignatureError):
        verify_signature("mp-secret", header, "1", "\udcff", now=time.time(), tolerance_s=300)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.mark.parametrize("payment_id", ["404404", "{", "../../checkout/preferences"])
async def test_a_payment_mercado_pago_does_not_know_is_invalid_not_an_outage(
    http: aiohttp.ClientSession, payment_id: str
) -> None:
    async with PaymentsSandbox(ACCOUNTS, "http://127.0.0.1:9") as sandbox:
        provider = MercadoPagoProvider(ACCOUNTS.mercadopago, api_base=sandbox.url)  # type: ignore[arg-type]
        with pytest.raises(InvalidEvent, match="no payment"):
            await provider.notices({"type": "payment", "id": payment_id}, http)


@pytest.fixture
def stripe_service(
    redis_client: aioredis.Redis, keys: Keys, http: aiohttp.ClientSession
) -> tuple[PaymentService, FakePublisher]:
    """The payment webhooks' service for Stripe, publishing to memory."""
    publisher = FakePublisher()
    service = PaymentService(
        ACCOUNTS,
        {"stripe": STRIPE},
        publisher=publisher,
        topics=Topics(),
        redis=redis_client,
        keys=keys,
        dedupe_ttl_s=600,
        now=lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        http=lambda: http,
    )
    return service, publisher


async def test_a_signed_notification_we_cannot_use_is_one_dead_letter(
    stripe_service: tuple[PaymentService, FakePublisher],
) -> None:
    service, publisher = stripe_service
    body = event("not an object")
    outcome = await service.receive(STRIPE, stripe_request(body))
    assert (outcome.published, outcome.unmatched) == (0, 1)
    [letter] = publisher.on("dead-letters")
    assert letter["error_type"] == "InvalidWebhook"
    assert letter["source_topic"] == "webhooks/payments/stripe"
    assert "Stripe event without" in str(letter["error"])
    again = await service.receive(STRIPE, stripe_request(body))  # Stripe's retry
    assert (again.duplicates, again.unmatched) == (1, 0)
    assert len(publisher.on("dead-letters")) == 1


@pytest.mark.parametrize(
    "body", [b"[]", b'"x"', b"[", b""], ids=["array", "string", "not-json", "empty"]
)
async def test_a_signed_stripe_body_that_is_no_event_is_a_dead_letter_not_a_400(
    stripe_service: tuple[PaymentService, FakePublisher], body: bytes
) -> None:
    """Stripe signs the body: a signed one is Stripe's, and a 400 would have it
    sent again for days."""
    service, publisher = stripe_service
    outcome = await service.receive(STRIPE, stripe_request(body))
    assert (outcome.published, outcome.unmatched) == (0, 1)
    [letter] = publisher.on("dead-letters")
    assert letter["error_type"] == "InvalidWebhook"
    assert "not a Stripe event" in str(letter["error"])
