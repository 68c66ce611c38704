"""Every payment provider's webhook verification through the same checks: a valid
signature passes; a tampered body, a stale timestamp, a missing header and
another secret fail with ``SignatureError``; a body that is not the provider's is
``InvalidEvent``; nothing else is ever raised."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
import pytest
import stripe
from multidict import CIMultiDict
from pydantic import SecretStr

from recaudo.channels.payments.base import MercadoPagoAccount, StripeAccount
from recaudo.channels.payments.mercadopago import (
    MercadoPagoProvider,
    manifest,
    sign,
    verify_signature,
)
from recaudo.channels.payments.stripe import StripeProvider
from recaudo.channels.webhooks.base import WebhookRequest
from recaudo.foundation.errors import InvalidEvent, SignatureError

STRIPE_SECRET = "whsec_test_secret"
MP_SECRET = "your-mp-webhook-secret"
#: The shape of Stripe's documented ``checkout.session.completed`` event.
STRIPE_EVENT = orjson.dumps(
    {
        "id": "evt_1PabcdEFGhijKLmn",
        "object": "event",
        "api_version": "2024-06-20",
        "created": 1719000000,
        "data": {
            "object": {
                "id": "cs_test_a1b2c3",
                "object": "checkout.session",
                "amount_total": 10000,
                "currency": "usd",
                "metadata": {"tenant_id": "acme", "debtor_id": "d-1", "account_id": "A-1"},
                "payment_intent": "pi_3Pabc",
                "payment_method_types": ["card"],
                "payment_status": "paid",
                "status": "complete",
            }
        },
        "livemode": False,
        "type": "checkout.session.completed",
    }
)


@dataclass
class Case:
    """One provider: a verifier and how that provider signs a request."""

    name: str
    verify: Callable[[WebhookRequest], object]
    signed: Callable[[bytes, int, str], WebhookRequest]


def _request(body: bytes, headers: dict[str, str], query: dict[str, str]) -> WebhookRequest:
    return WebhookRequest(
        "POST", "https://x/", CIMultiDict(headers), query, body, "application/json"
    )


def _stripe_signed(body: bytes, at: int, secret: str) -> WebhookRequest:
    text = body.decode("utf-8", "replace")
    header = stripe.WebhookSignature.generate_signature_header(text, secret, at)
    return _request(body, {"Stripe-Signature": header}, {})


MP_BODY = orjson.dumps({"action": "payment.updated", "type": "payment", "data": {"id": "123456"}})


def _mp_signed(body: bytes, at: int, secret: str) -> WebhookRequest:
    request_id = "bb56a2f1-6aae-46ac-982e-9dcd3581d08e"
    headers = {
        "x-signature": sign(secret, "123456", request_id, str(at)),
        "x-request-id": request_id,
    }
    return _request(body, headers, {"data.id": "123456", "type": "payment"})


STRIPE = StripeProvider(
    StripeAccount(secret_key=SecretStr("sk"), webhook_secret=SecretStr(STRIPE_SECRET))
)
MP = MercadoPagoProvider(
    MercadoPagoAccount(access_token=SecretStr("t"), webhook_secret=SecretStr(MP_SECRET))
)
CASES = [
    Case("stripe", STRIPE.verify, _stripe_signed),
    Case("mercadopago", MP.verify, _mp_signed),
]
BODIES = {"stripe": STRIPE_EVENT, "mercadopago": MP_BODY}


@pytest.fixture(params=CASES, ids=lambda c: c.name)
def case(request: pytest.FixtureRequest) -> Case:
    case: Case = request.param
    return case


def test_a_valid_signature_verifies(case: Case) -> None:
    assert case.verify(case.signed(BODIES[case.name], int(time.time()), _secret(case))) is not None


def test_a_tampered_body_fails(case: Case) -> None:
    request = case.signed(BODIES[case.name], int(time.time()), _secret(case))
    if case.name == "stripe":
        tampered = request.body.replace(b"10000", b"1")
        request = _request(tampered, dict(request.headers), dict(request.query))
    else:  # Mercado Pago signs the id in the URL, not the body: change the id.
        request = _request(request.body, dict(request.headers), {"data.id": "999999"})
    with pytest.raises(SignatureError):
        case.verify(request)


def test_a_stale_timestamp_fails(case: Case) -> None:
    with pytest.raises(SignatureError):
        case.verify(case.signed(BODIES[case.name], int(time.time()) - 3600, _secret(case)))


def test_a_missing_header_fails(case: Case) -> None:
    with pytest.raises(SignatureError):
        case.verify(_request(BODIES[case.name], {}, {"data.id": "123456"}))


def test_another_secret_fails(case: Case) -> None:
    with pytest.raises(SignatureError):
        case.verify(case.signed(BODIES[case.name], int(time.time()), "whsec_someone_else"))


@pytest.mark.parametrize("body", [b"", b"[", b"\xff\xfe", b"[]", b'"x"'])
def test_a_body_not_the_providers_is_refused_not_crashed(case: Case, body: bytes) -> None:
    """Refused at the signature, or (Stripe signs the body, so a signed one is its
    own) found unusable by ``notices``: a dead letter, never a crash."""
    try:
        payload = case.verify(case.signed(body, int(time.time()), _secret(case)))
    except (SignatureError, InvalidEvent):
        return
    assert case.name == "stripe"
    with pytest.raises(InvalidEvent):
        asyncio.run(STRIPE.notices(payload, None))  # type: ignore[arg-type]


def _secret(case: Case) -> str:
    return STRIPE_SECRET if case.name == "stripe" else MP_SECRET


# -- Mercado Pago's documented manifest ------------------------------------------------------


def test_the_manifest_is_the_documented_template() -> None:
    # "id:[data.id_url];request-id:[x-request-id_header];ts:[ts_header];"
    assert (
        manifest("123456", "bb56a2f1-6aae-46ac-982e-9dcd3581d08e", "1742505638683")
        == "id:123456;request-id:bb56a2f1-6aae-46ac-982e-9dcd3581d08e;ts:1742505638683;"
    )
    # Alphanumeric ids (orders) go in lower case; absent parts are left out.
    assert manifest("ORD01JQ4S4KY8HWQ6NA5PXB65B3D3", None, "1") == (
        "id:ord01jq4s4ky8hwq6na5pxb65b3d3;ts:1;"
    )


def test_the_signature_is_hmac_sha256_hex_of_the_manifest() -> None:
    # Computed independently of the code under test, as the documentation states it.
    ts, request_id = "1704908010", "bb56a2f1-6aae-46ac-982e-9dcd3581d08e"
    text = f"id:123456;request-id:{request_id};ts:{ts};"
    v1 = hmac.new(MP_SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()
    header = f"ts={ts},v1={v1}"
    verify_signature(MP_SECRET, header, "123456", request_id, now=1704908010, tolerance_s=300)
    # The header's parts may come in any order and with spaces.
    swapped = f"v1={v1}, ts={ts}"
    verify_signature(MP_SECRET, swapped, "123456", request_id, now=1704908010, tolerance_s=300)
    with pytest.raises(SignatureError):
        verify_signature(MP_SECRET, header, "123456", "other", now=1704908010, tolerance_s=300)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "ts=,v1=",
        "v1=abc",
        "ts=abc,v1=00",
        "garbage",
        # Not ASCII (a header byte aiohttp surrogate-escaped, too): once a TypeError.
        pytest.param(f"ts={int(time.time())},v1=é", id="non-ascii-v1"),
        pytest.param(f"ts={int(time.time())},v1=\udcff", id="undecodable-v1"),
    ],
)
def test_a_malformed_x_signature_fails(header: str) -> None:
    with pytest.raises(SignatureError):
        verify_signature(MP_SECRET, header, "1", "r", now=time.time(), tolerance_s=300)
