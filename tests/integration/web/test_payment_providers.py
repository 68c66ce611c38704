"""The pay link to a provider checkout and back, on the real web app, broker and Redis.

pay link -> the page -> a checkout opened in the sandbox (amount, currency and our
metadata as the provider receives them) -> the provider's signed webhook -> a
``payment`` event on the payments topic -> the decide stage cancels the debtor's
pending contact; a retried webhook publishes nothing more; a refund or chargeback
is a reversal of that payment.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from recaudo.channels.payments.mercadopago import sign
from tests.conftest import SettingsFactory
from tests.integration.harness import Record
from tests.integration.web.pay_loop import ACCOUNTS, Loop, debtor_with_contact, decide, start_loop

pytestmark = pytest.mark.integration


@pytest.fixture
async def loop(make_settings: SettingsFactory, tmp_path: Path) -> AsyncIterator[Loop]:
    async with start_loop(make_settings, tmp_path) as started:
        yield started


async def _payments(loop: Loop, debtor: str, count: int) -> list[Record]:
    def mine(rs: list[Record]) -> list[Record]:
        return [r for r in rs if r.get("debtor_id") == debtor]

    records = await loop.bus.collect([loop.bus.topics.payments], lambda rs: len(mine(rs)) >= count)
    return mine(records)


@pytest.mark.parametrize(
    ("provider", "currency", "language"),
    [("stripe", "USD", "en"), ("mercadopago", "MXN", "es"), ("pix", "BRL", "pt")],
)
async def test_pay_link_checkout_webhook_payment_cancels_and_refund_reverses(
    loop: Loop, provider: str, currency: str, language: str
) -> None:
    debtor = f"d-{provider}"
    path, contact = await debtor_with_contact(loop, debtor, currency, language)
    page = await loop.http.get(loop.base + path)
    assert page.status == 200
    assert page.content_type == "text/html"
    assert f'lang="{language}"' in await page.text()

    went = await loop.http.post(loop.base + path + "/checkout", allow_redirects=False)
    assert went.status == 303, await went.text()
    [checkout] = loop.sandbox.checkouts.values()
    assert went.headers["Location"].startswith(loop.sandbox.url)
    assert checkout.provider == provider
    assert (checkout.amount_minor, checkout.currency) == (10_000, currency)
    assert checkout.metadata == {
        "tenant_id": "acme",
        "debtor_id": debtor,
        "account_id": f"A-{debtor}",
        "contact_id": contact,
    }

    assert await loop.sandbox.pay(checkout.checkout_id) == 200
    assert await loop.sandbox.redeliver() == 200  # the provider's retry
    [payment] = await _payments(loop, debtor, 1)
    assert payment["type"] == "payment"
    assert payment["reversal_of"] is None
    assert payment["amount"] == {"amount_minor": 10_000, "currency": currency}
    assert (payment["tenant_id"], payment["account_id"]) == ("acme", f"A-{debtor}")

    prepared = await decide(loop, "payments", payment, 2)
    cancelled = {d.contact_id for d in prepared.decisions if d.action.value == "cancel"}
    assert contact in cancelled

    reverse: Any = loop.sandbox.chargeback if provider == "stripe" else loop.sandbox.refund
    assert await reverse(checkout.checkout_id) == 200
    records = await _payments(loop, debtor, 2)
    assert len(records) == 2, records
    reversal = records[1]
    assert reversal["reversal_of"] == payment["payment_id"]
    assert reversal["amount"] == {"amount_minor": 10_000, "currency": currency}


async def test_stripe_refund_reverses_only_the_refunded_part(loop: Loop) -> None:
    path, _ = await debtor_with_contact(loop, "d-part", "USD", "en")
    await loop.http.post(loop.base + path + "/checkout", allow_redirects=False)
    [checkout] = loop.sandbox.checkouts.values()
    await loop.sandbox.pay(checkout.checkout_id)
    assert await loop.sandbox.refund(checkout.checkout_id, 2_500) == 200
    assert await loop.sandbox.refund(checkout.checkout_id, 1_000) == 200
    records = await _payments(loop, "d-part", 3)
    assert [r["amount"]["amount_minor"] for r in records] == [10_000, 2_500, 1_000]


async def test_bad_signature_body_and_provider_are_400_and_404(loop: Loop) -> None:
    url = loop.base + "/webhooks/payments/stripe"
    body = b'{"id": "evt_1", "type": "checkout.session.completed"}'
    cases = [
        ({}, body, 400, "invalid_signature"),
        ({"Stripe-Signature": "t=1,v1=00"}, body, 400, "invalid_signature"),
        ({"Content-Type": ";0*"}, body, 400, "bad_request"),  # the header parser raises
    ]
    for headers, data, status, code in cases:
        async with loop.http.post(url, data=data, headers=headers) as resp:
            assert resp.status == status
            assert (await resp.json())["error"]["code"] == code
    mp = loop.base + "/webhooks/payments/mercadopago?data.id=1&type=payment"
    secret = ACCOUNTS.mercadopago.webhook_secret.get_secret_value()  # type: ignore[union-attr]
    signed = {"x-signature": sign(secret, "1", "r-1", str(int(time.time()))), "x-request-id": "r-1"}
    async with loop.http.post(mp, data=b"[", headers=signed) as resp:
        assert resp.status == 400  # signed, but not a notification
        assert (await resp.json())["error"]["code"] == "bad_request"
    for v1 in ("0", "é"):  # not ASCII: once a TypeError in compare_digest, a 500
        sig = {"x-signature": f"ts={int(time.time())},v1={v1}"}
        async with loop.http.post(mp, data=b"{}", headers=sig) as resp:
            assert resp.status == 400
            assert (await resp.json())["error"]["code"] == "invalid_signature"
    async with loop.http.post(loop.base + "/webhooks/payments/paypal", data=b"{}") as resp:
        assert resp.status == 404


def stripe_signed(secret: str, body: bytes) -> dict[str, str]:
    """Stripe's ``Stripe-Signature`` header for ``body``, signed now (its wire format)."""
    at = str(int(time.time()))
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={at},v1={mac}", "Content-Type": "application/json"}


async def test_a_signed_payment_we_cannot_enter_is_a_dead_letter_and_acknowledged(
    loop: Loop,
) -> None:
    """A verified event whose payment our contract refuses (an amount of 0) is neither
    a 500 the provider would retry for days nor lost: a dead letter names why."""
    session = {
        "id": "cs_zero",
        "object": "checkout.session",
        "payment_status": "paid",
        "payment_intent": "pi_zero",
        "amount_total": 0,
        "currency": "usd",
        "payment_method_types": ["card"],
        "metadata": {"tenant_id": "acme", "debtor_id": "d-zero", "account_id": "a-zero"},
    }
    event = {
        "id": "evt_zero",
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "data": {"object": session},
    }
    body = orjson.dumps(event)
    secret = ACCOUNTS.stripe.webhook_secret.get_secret_value()  # type: ignore[union-attr]
    url = loop.base + "/webhooks/payments/stripe"
    async with loop.http.post(url, data=body, headers=stripe_signed(secret, body)) as resp:
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["published"] == 0
    [letter] = await loop.bus.collect(
        [loop.bus.topics.dead_letters], lambda rs: any(r.get("key") == "pi_zero" for r in rs)
    )
    assert letter["error_type"] == "InvalidPayment"
    assert "amount" in letter["error"]
    assert letter["source_topic"] == "webhooks/payments/stripe"
    assert orjson.loads(letter["payload"]) == event
