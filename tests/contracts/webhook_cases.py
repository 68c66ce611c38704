"""One signed receipt per inbound webhook verifier, and how to break it.

Each case builds its verifier with the right or a wrong secret and signs a
status receipt (or a payment notification) for message ``MSG1`` exactly as the
provider does, using the production signing helpers where there are some.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

import standardwebhooks
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pydantic import SecretStr

from recaudo.channels.payments.base import MercadoPagoAccount, StripeAccount
from recaudo.channels.payments.mercadopago import MercadoPagoProvider
from recaudo.channels.payments.mercadopago import sign as mercadopago_sign
from recaudo.channels.payments.pix import PixProvider
from recaudo.channels.payments.stripe import StripeProvider
from recaudo.channels.webhooks import infobip, mailgun, meta, sendgrid, twilio, vonage
from recaudo.channels.webhooks.base import WebhookRequest
from recaudo.channels.webhooks.sns import SnsVerifier, string_to_sign
from recaudo.channels.webhooks.standard import StandardVerifier
from recaudo.contracts.events import DeliveryStatus
from tests.certificates import self_signed_pem

S = DeliveryStatus
MESSAGE_ID = "MSG1"
HOOK_URL = "https://hooks.example.com/webhooks/{name}?ref=r1"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


Signer = Callable[[float, str], WebhookRequest]
Edit = Callable[[WebhookRequest], WebhookRequest]


@dataclass(frozen=True)
class HookCase:
    cls: type
    #: The verifier with the right secret (True) or with another one (False).
    build: Callable[[bool], Any]
    #: A receipt for ``MESSAGE_ID`` with the provider's raw status, signed at ``now``.
    signed: Signer
    #: Removes the signature (header, field or credentials).
    unsign: Edit
    #: Changes the signature's value, leaving it well formed.
    tamper: Edit
    #: Every raw provider status this verifier maps, and ours for it.
    statuses: Mapping[str, DeliveryStatus] = field(default_factory=dict)
    #: The signature covers the body (Mailgun signs a token, Infobip uses Basic
    #: auth, Mercado Pago signs the URL's data.id: their bodies are not signed).
    body_signed: bool = True
    #: A receipt signed an hour ago is refused (Twilio, Meta, Infobip and SNS
    #: sign no time; replays are caught by the event de-duplication).
    stale_refused: bool = True
    #: A payment provider's ``verify`` returns the payload; no ``parse`` step.
    payment: bool = False

    @property
    def id(self) -> str:
        return self.cls.__name__


def request(
    name: str, body: bytes, headers: Mapping[str, str], content_type: str = JSON, url: str = ""
) -> WebhookRequest:
    url = url or HOOK_URL.format(name=name)
    query = dict(parse_qsl(url.partition("?")[2]))
    return WebhookRequest("POST", url, dict(headers), query, body, content_type)


def drop_header(name: str) -> Edit:
    def edit(r: WebhookRequest) -> WebhookRequest:
        return replace(r, headers={k: v for k, v in r.headers.items() if k != name})

    return edit


def flip_header(name: str) -> Edit:
    """The same signature with its first signature character changed."""

    def edit(r: WebhookRequest) -> WebhookRequest:
        value = r.headers[name]
        return replace(r, headers={**r.headers, name: _flip(value)})

    return edit


def _flip(value: str, at: int | None = None) -> str:
    # By default the middle: a base64 signature's last characters may hold only
    # padding bits, which decoders ignore (a flip there changed nothing, now and then).
    i = len(value.rstrip("=")) // 2 if at is None else at % len(value)
    swap = "1" if value[i] == "0" else "0"  # a digit: no case for hex to ignore
    return value[:i] + swap + value[i + 1 :]


def _json_edit(fn: Callable[[dict[str, Any]], None]) -> Edit:
    def edit(r: WebhookRequest) -> WebhookRequest:
        body = json.loads(r.body)
        fn(body)
        return replace(r, body=json.dumps(body).encode())

    return edit


def _form_edit(fn: Callable[[dict[str, str]], None]) -> Edit:
    def edit(r: WebhookRequest) -> WebhookRequest:
        params = dict(parse_qsl(r.body.decode()))
        fn(params)
        return replace(r, body=urlencode(params).encode())

    return edit


# --- Twilio: HMAC-SHA1 over URL + sorted form params, no timestamp.
def _twilio(now: float, status: str, token: str = "tw-token") -> WebhookRequest:
    url = HOOK_URL.format(name="twilio")
    params = [("MessageSid", MESSAGE_ID), ("MessageStatus", status), ("To", "+15555550100")]
    headers = {"X-Twilio-Signature": twilio.twilio_signature(token, url, params)}
    return request("twilio", urlencode(params).encode(), headers, FORM)


# --- SendGrid: ECDSA P-256 over timestamp + body.
_SG_KEY = ec.generate_private_key(ec.SECP256R1())
_SG_OTHER = ec.generate_private_key(ec.SECP256R1())


def _public_b64(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def _sendgrid(now: float, status: str) -> WebhookRequest:
    event = {"event": status, "sg_event_id": "ev1", "sg_message_id": f"{MESSAGE_ID}.filter0"}
    body = json.dumps([event]).encode() + b"\r\n"
    stamp = str(int(now))
    der = _SG_KEY.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    headers = {
        sendgrid.SIGNATURE_HEADER: base64.b64encode(der).decode(),
        sendgrid.TIMESTAMP_HEADER: stamp,
    }
    return request("sendgrid", body, headers)


# --- Meta (WhatsApp Cloud API): HMAC-SHA256 of the body, no timestamp.
def _meta(now: float, status: str) -> WebhookRequest:
    value = {"statuses": [{"id": MESSAGE_ID, "status": status, "timestamp": str(int(now))}]}
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": meta.meta_signature("meta-secret", body)}
    return request("meta", body, headers)


# --- Mailgun: HMAC-SHA256 of timestamp + token inside the body.
def _mailgun(now: float, status: str) -> WebhookRequest:
    stamp, token = str(int(now)), "tok" * 10
    signature = {
        "timestamp": stamp,
        "token": token,
        "signature": mailgun.mailgun_signature("mg-key", stamp, token),
    }
    data = {
        "id": "ev1",
        "event": status,
        "timestamp": now,
        "message": {"headers": {"message-id": f"<{MESSAGE_ID}>"}},
    }
    body = json.dumps({"signature": signature, "event-data": data}).encode()
    return request("mailgun", body, {})


def _mailgun_unsign(body: dict[str, Any]) -> None:
    del body["signature"]


def _mailgun_tamper(body: dict[str, Any]) -> None:
    body["signature"]["signature"] = _flip(body["signature"]["signature"])


# --- Infobip: unsigned callbacks behind HTTP Basic credentials.
def _infobip(now: float, status: str) -> WebhookRequest:
    result = {"messageId": MESSAGE_ID, "status": {"groupId": int(status), "name": "X"}}
    body = json.dumps({"results": [result]}).encode()
    return request("infobip", body, {"Authorization": infobip.basic_auth("ib-user", "ib-pass")})


# --- Vonage: signed form params with timestamp and nonce.
def _vonage(now: float, status: str) -> WebhookRequest:
    params = {
        "messageId": MESSAGE_ID,
        "status": status,
        "msisdn": "15555550100",
        "timestamp": str(int(now)),
        "nonce": "n1",
    }
    params["sig"] = vonage.vonage_signature("vn-secret", params)
    return request("vonage", urlencode(params).encode(), {}, FORM)


def _vonage_unsign(params: dict[str, str]) -> None:
    del params["sig"]


def _vonage_tamper(params: dict[str, str]) -> None:
    params["sig"] = _flip(params["sig"])


# --- Amazon SES via SNS: RSA over the canonical fields, certificate fetched.
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem"
SNS_KINDS = {
    "Send": S.QUEUED,
    "Delivery": S.DELIVERED,
    "Bounce": S.BOUNCED,
    "Complaint": S.COMPLAINED,
    "Reject": S.FAILED,
    "Open": S.OPENED,
    "Click": S.CLICKED,
}


def _certificate(key: rsa.RSAPrivateKey) -> bytes:
    return self_signed_pem(key, "sns.amazonaws.com")


_SNS_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_SNS_PEMS = {
    True: _certificate(_SNS_KEY),
    False: _certificate(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
}


def _sns_verifier(right: bool) -> SnsVerifier:
    async def fetch(url: str) -> bytes:
        return _SNS_PEMS[right]

    fetcher: Callable[[str], Awaitable[bytes]] = fetch
    return SnsVerifier((TOPIC,), fetcher, auto_confirm=False)


def _sns(now: float, status: str) -> WebhookRequest:
    ses = {"notificationType": status, "mail": {"messageId": MESSAGE_ID}}
    if status == "Bounce":
        ses["bounce"] = {"bounceType": "Permanent"}
    message = {
        "Type": "Notification",
        "MessageId": "sns1",
        "TopicArn": TOPIC,
        "Message": json.dumps(ses),
        "Timestamp": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(),
        "SignatureVersion": "2",
        "SigningCertURL": CERT_URL,
    }
    signature = _SNS_KEY.sign(string_to_sign(message), padding.PKCS1v15(), hashes.SHA256())
    message["Signature"] = base64.b64encode(signature).decode()
    return request("ses", json.dumps(message).encode(), {})


def _sns_unsign(body: dict[str, Any]) -> None:
    del body["Signature"]


def _sns_tamper(body: dict[str, Any]) -> None:
    body["Signature"] = _flip(body["Signature"], at=10)


# --- Standard Webhooks: webhook-id/-timestamp/-signature (v1 HMAC-SHA256).
STANDARD_SECRET = "whsec_" + base64.b64encode(b"standard-secret-bytes-0123456789").decode()
STANDARD_OTHER = "whsec_" + base64.b64encode(b"another-secret-bytes-0123456789!").decode()


def _standard(now: float, status: str) -> WebhookRequest:
    data = {"message_id": MESSAGE_ID, "status": status, "channel": "sms"}
    payload = json.dumps({"type": "message.status", "data": data})
    at = dt.datetime.fromtimestamp(now, dt.UTC)
    signature = standardwebhooks.Webhook(STANDARD_SECRET).sign("wh1", at, payload)
    headers = {
        "webhook-id": "wh1",
        "webhook-timestamp": str(int(now)),
        "webhook-signature": signature,
    }
    return request("standard", payload.encode(), headers)


# --- Stripe: Stripe-Signature t=..,v1=HMAC-SHA256(secret, "t.body").
def _stripe_account(right: bool) -> StripeAccount:
    secret = "whsec_stripe" if right else "whsec_other"
    return StripeAccount(secret_key=SecretStr("sk_test"), webhook_secret=SecretStr(secret))


def _stripe(now: float, status: str) -> WebhookRequest:
    event = {
        "id": "evt_1",
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(now),
        "data": {"object": {"id": "cs_1", "payment_intent": MESSAGE_ID, "payment_status": "paid"}},
    }
    body = json.dumps(event).encode()
    stamp = str(int(now))
    mac = hmac.new(b"whsec_stripe", f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return request("stripe", body, {"Stripe-Signature": f"t={stamp},v1={mac}"})


# --- Mercado Pago (and PIX through it): x-signature over data.id, request id, ts.
def _mp_account(right: bool) -> MercadoPagoAccount:
    secret = "mp-secret" if right else "mp-other"
    return MercadoPagoAccount(access_token=SecretStr("mp-token"), webhook_secret=SecretStr(secret))


def _mercadopago(now: float, status: str) -> WebhookRequest:
    body = json.dumps({"type": "payment", "data": {"id": MESSAGE_ID}}).encode()
    headers = {
        "x-signature": mercadopago_sign("mp-secret", MESSAGE_ID, "req-1", str(int(now))),
        "x-request-id": "req-1",
    }
    url = f"https://hooks.example.com/webhooks/mercadopago?data.id={MESSAGE_ID}&type=payment"
    return request("mercadopago", body, headers, url=url)


def _mp_tamper(r: WebhookRequest) -> WebhookRequest:
    ts, _, v1 = r.headers["x-signature"].partition(",")
    return replace(r, headers={**r.headers, "x-signature": f"{ts},{_flip(v1)}"})


CASES: list[HookCase] = [
    HookCase(
        twilio.TwilioVerifier,
        lambda right: twilio.TwilioVerifier("tw-token" if right else "other"),
        _twilio,
        drop_header("X-Twilio-Signature"),
        flip_header("X-Twilio-Signature"),
        statuses=twilio.MESSAGE_STATUS,
        stale_refused=False,
    ),
    HookCase(
        sendgrid.SendGridVerifier,
        lambda right: sendgrid.SendGridVerifier(_public_b64(_SG_KEY if right else _SG_OTHER)),
        _sendgrid,
        drop_header(sendgrid.SIGNATURE_HEADER),
        flip_header(sendgrid.SIGNATURE_HEADER),
        statuses=sendgrid.EVENTS,
    ),
    HookCase(
        meta.MetaVerifier,
        lambda right: meta.MetaVerifier("meta-secret" if right else "other", "verify"),
        _meta,
        drop_header("X-Hub-Signature-256"),
        flip_header("X-Hub-Signature-256"),
        statuses=meta.STATUSES,
        stale_refused=False,
    ),
    HookCase(
        mailgun.MailgunVerifier,
        lambda right: mailgun.MailgunVerifier("mg-key" if right else "other"),
        _mailgun,
        _json_edit(_mailgun_unsign),
        _json_edit(_mailgun_tamper),
        statuses=mailgun.EVENTS,
        body_signed=False,
    ),
    HookCase(
        infobip.InfobipVerifier,
        lambda right: infobip.InfobipVerifier("ib-user", "ib-pass" if right else "other"),
        _infobip,
        drop_header("Authorization"),
        flip_header("Authorization"),
        statuses={str(group): status for group, status in infobip.GROUPS.items()},
        body_signed=False,
        stale_refused=False,
    ),
    HookCase(
        vonage.VonageVerifier,
        lambda right: vonage.VonageVerifier("vn-secret" if right else "other"),
        _vonage,
        _form_edit(_vonage_unsign),
        _form_edit(_vonage_tamper),
        statuses=vonage.STATUSES,
    ),
    HookCase(
        SnsVerifier,
        _sns_verifier,
        _sns,
        _json_edit(_sns_unsign),
        _json_edit(_sns_tamper),
        statuses=SNS_KINDS,
        stale_refused=False,
    ),
    HookCase(
        StandardVerifier,
        lambda right: StandardVerifier(STANDARD_SECRET if right else STANDARD_OTHER),
        _standard,
        drop_header("webhook-signature"),
        flip_header("webhook-signature"),
        statuses={s.value: s for s in DeliveryStatus},
    ),
    HookCase(
        StripeProvider,
        lambda right: StripeProvider(_stripe_account(right)),
        _stripe,
        drop_header("Stripe-Signature"),
        flip_header("Stripe-Signature"),
        payment=True,
    ),
    HookCase(
        MercadoPagoProvider,
        lambda right: MercadoPagoProvider(_mp_account(right)),
        _mercadopago,
        drop_header("x-signature"),
        _mp_tamper,
        body_signed=False,
        payment=True,
    ),
    HookCase(
        PixProvider,
        lambda right: PixProvider(MercadoPagoProvider(_mp_account(right))),
        _mercadopago,
        drop_header("x-signature"),
        _mp_tamper,
        body_signed=False,
        payment=True,
    ),
]
