"""Signature schemes against published vectors and the providers' own helpers."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from urllib.parse import urlencode

import pytest
import standardwebhooks
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from mailgun.security import SecurityGuard
from multidict import CIMultiDict
from sendgrid.helpers.eventwebhook import EventWebhook
from twilio.request_validator import RequestValidator

from recaudo.channels.dedupe import Deduper
from recaudo.channels.directory import ContactDirectory
from recaudo.channels.sandbox import signing
from recaudo.channels.status_machine import StatusMachine
from recaudo.channels.webhooks.base import StatusReport, WebhookRequest
from recaudo.channels.webhooks.infobip import InfobipVerifier, basic_auth
from recaudo.channels.webhooks.mailgun import MailgunVerifier
from recaudo.channels.webhooks.meta import MetaVerifier
from recaudo.channels.webhooks.sendgrid import SendGridVerifier
from recaudo.channels.webhooks.sns import SnsVerifier, is_sns_url, string_to_sign
from recaudo.channels.webhooks.standard import StandardVerifier
from recaudo.channels.webhooks.twilio import TwilioVerifier, twilio_signature
from recaudo.channels.webhooks.vonage import VonageVerifier, vonage_signature
from recaudo.foundation.errors import SignatureError
from tests.certificates import self_signed_pem
from tests.unit.channels.channels_testkit import FakePublisher, start_hooks

TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
TWILIO_VECTOR = "RSOYDt4T1cUTdK1PDd93/VVr8B8="

# sendgrid-python test/unit/test_eventwebhook.py
SG_PUBLIC_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+"
    "2fNNRaINXvVpiglSI8eNEc6wEA3F+g=="
)
SG_SIGNATURE = (
    "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiX"
    "DWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM="
)
SG_TIMESTAMP = "1600112502"
SG_PAYLOAD = (
    json.dumps(
        [
            {
                "email": "hello@world.com",
                "event": "dropped",
                "reason": "Bounced Address",
                "sg_event_id": "ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",
                "sg_message_id": (
                    "LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0"
                ),
                "smtp-id": "<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>",
                "timestamp": 1600112492,
            }
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    + "\r\n"
)


def request(
    body: bytes,
    headers: Mapping[str, str] | None = None,
    url: str = "https://hooks.example.com/webhooks/x",
    content_type: str = "application/json",
) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url=url,
        headers=CIMultiDict(headers or {}),
        query={},
        body=body,
        content_type=content_type,
    )


# -- Twilio ---------------------------------------------------------------------------------


def test_twilio_published_vector() -> None:
    assert twilio_signature("12345", TWILIO_URL, TWILIO_PARAMS.items()) == TWILIO_VECTOR
    assert RequestValidator("12345").validate(TWILIO_URL, TWILIO_PARAMS, TWILIO_VECTOR)


async def test_twilio_verifier_accepts_vector_and_rejects_tampering() -> None:
    verifier = TwilioVerifier("12345")
    body = urlencode(TWILIO_PARAMS).encode()
    ok = request(
        body, {"X-Twilio-Signature": TWILIO_VECTOR}, TWILIO_URL, "application/x-www-form-urlencoded"
    )
    assert await verifier.verify(ok) is None
    tampered = request(
        body.replace(b"1234", b"9999"), {"X-Twilio-Signature": TWILIO_VECTOR}, TWILIO_URL
    )
    with pytest.raises(SignatureError):
        await verifier.verify(tampered)
    with pytest.raises(SignatureError):
        await verifier.verify(request(body, {}, TWILIO_URL))


async def test_twilio_port_variant_is_accepted_like_the_sdk() -> None:
    url = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    verifier = TwilioVerifier("12345")
    body = urlencode(TWILIO_PARAMS).encode()
    assert await verifier.verify(request(body, {"X-Twilio-Signature": TWILIO_VECTOR}, url)) is None


async def test_twilio_json_body_uses_body_sha256() -> None:
    body = b'{"hello":"world"}'
    url = f"https://hooks.example.com/webhooks/twilio?bodySHA256={hashlib.sha256(body).hexdigest()}"
    sig = twilio_signature("tok", url, [])
    verifier = TwilioVerifier("tok")
    assert await verifier.verify(request(body, {"X-Twilio-Signature": sig}, url)) is None
    assert RequestValidator("tok").validate(url, body.decode(), sig)
    with pytest.raises(SignatureError):
        await verifier.verify(request(b'{"hello":"mars"}', {"X-Twilio-Signature": sig}, url))


async def test_sandbox_twilio_signature_verifies_with_the_sdk() -> None:
    url = "http://127.0.0.1:8080/webhooks/twilio?ref=t%2Fc1"
    params = [("MessageSid", "SM1"), ("MessageStatus", "delivered"), ("To", "+1555")]
    headers, body = signing.twilio("secret", url, params)
    assert RequestValidator("secret").validate(url, dict(params), headers["X-Twilio-Signature"])
    assert await TwilioVerifier("secret").verify(request(body, headers, url)) is None


# -- SendGrid -------------------------------------------------------------------------------


async def test_sendgrid_published_vector() -> None:
    ew = EventWebhook()
    assert ew.verify_signature(
        SG_PAYLOAD, SG_SIGNATURE, SG_TIMESTAMP, ew.convert_public_key_to_ecdsa(SG_PUBLIC_KEY)
    )
    verifier = SendGridVerifier(SG_PUBLIC_KEY, clock=lambda: int(SG_TIMESTAMP) + 5)
    headers = {
        "X-Twilio-Email-Event-Webhook-Signature": SG_SIGNATURE,
        "X-Twilio-Email-Event-Webhook-Timestamp": SG_TIMESTAMP,
    }
    assert await verifier.verify(request(SG_PAYLOAD.encode(), headers)) is None
    # The trailing CRLF is signed: without it the signature fails.
    with pytest.raises(SignatureError):
        await verifier.verify(request(SG_PAYLOAD.rstrip().encode(), headers))
    reports = verifier.parse(request(SG_PAYLOAD.encode(), headers))
    assert len(reports) == 1
    assert isinstance(reports[0], StatusReport)
    assert reports[0].status.value == "failed"
    assert reports[0].permanent is True
    assert reports[0].message_id == "LRzXl_NHStOGhQ4kofSm_A"


async def test_sendgrid_rejects_stale_timestamp_and_bad_key() -> None:
    headers = {
        "X-Twilio-Email-Event-Webhook-Signature": SG_SIGNATURE,
        "X-Twilio-Email-Event-Webhook-Timestamp": SG_TIMESTAMP,
    }
    with pytest.raises(SignatureError, match="tolerance"):
        await SendGridVerifier(SG_PUBLIC_KEY).verify(request(SG_PAYLOAD.encode(), headers))
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    other_b64 = base64.b64encode(
        other.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    ).decode()
    with pytest.raises(SignatureError, match="does not match"):
        await SendGridVerifier(other_b64, clock=lambda: int(SG_TIMESTAMP)).verify(
            request(SG_PAYLOAD.encode(), headers)
        )


async def test_sandbox_sendgrid_signature_verifies_with_the_sdk() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    public = base64.b64encode(
        key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    ).decode()
    headers, body = signing.sendgrid(
        key, [{"event": "delivered", "sg_event_id": "e1", "email": "a@b.c"}]
    )
    assert EventWebhook(public).verify_signature(
        body.decode(),
        headers["X-Twilio-Email-Event-Webhook-Signature"],
        headers["X-Twilio-Email-Event-Webhook-Timestamp"],
    )
    assert await SendGridVerifier(public).verify(request(body, headers)) is None


# -- Meta -----------------------------------------------------------------------------------


async def test_meta_signature_and_handshake() -> None:
    verifier = MetaVerifier("app-secret", "verify-me")
    headers, body = signing.meta("app-secret", {"statuses": []})
    assert await verifier.verify(request(body, headers)) is None
    with pytest.raises(SignatureError):
        await verifier.verify(request(body + b" ", headers))
    with pytest.raises(SignatureError):
        await verifier.verify(request(body, {"X-Hub-Signature-256": "sha256=00"}))
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me",
        "hub.challenge": "1158201444",
    }
    assert verifier.handshake(query) == "1158201444"
    with pytest.raises(SignatureError):
        verifier.handshake(query | {"hub.verify_token": "nope"})


# -- Mailgun --------------------------------------------------------------------------------


async def test_mailgun_signature_matches_the_sdk_and_checks_freshness() -> None:
    headers, body = signing.mailgun("signing-key", {"id": "e1", "event": "delivered"})
    sig = json.loads(body)["signature"]
    assert SecurityGuard.verify_webhook(
        "signing-key", sig["token"], sig["timestamp"], sig["signature"]
    )
    verifier = MailgunVerifier("signing-key")
    assert await verifier.verify(request(body, headers)) == f"token:{sig['token']}"
    stale = MailgunVerifier("signing-key", clock=lambda: time.time() + 301)
    with pytest.raises(SignatureError, match="stale"):
        await stale.verify(request(body, headers))
    with pytest.raises(SignatureError):
        await MailgunVerifier("other-key").verify(request(body, headers))


# -- Vonage ---------------------------------------------------------------------------------


async def test_vonage_signature_window_and_replacements() -> None:
    params = {"msisdn": "447700900000", "text": "a&b=c", "messageId": "m1"}
    headers, body = signing.vonage("vsecret", params)
    verifier = VonageVerifier("vsecret")
    nonce = await verifier.verify(
        request(body, headers, content_type="application/x-www-form-urlencoded")
    )
    assert nonce is not None
    assert nonce.startswith("nonce:")
    signed = dict(p.split("=", 1) for p in body.decode().split("&"))
    # "&" and "=" inside values are replaced by "_" before signing.
    assert vonage_signature("vsecret", {"a": "x&y=z"}) == vonage_signature(
        "vsecret", {"a": "x_y_z"}
    )
    assert signed["sig"] == signed["sig"].upper()
    late = VonageVerifier("vsecret", clock=lambda: time.time() + 600)
    with pytest.raises(SignatureError, match="window"):
        await late.verify(request(body, headers, content_type="application/x-www-form-urlencoded"))


# -- Infobip --------------------------------------------------------------------------------


async def test_infobip_basic_auth() -> None:
    verifier = InfobipVerifier("user", "pass")
    assert (
        await verifier.verify(request(b"{}", {"Authorization": basic_auth("user", "pass")})) is None
    )
    for header in (basic_auth("user", "nope"), "Basic !!!", "Bearer x", ""):
        with pytest.raises(SignatureError):
            await verifier.verify(request(b"{}", {"Authorization": header}))


# -- Standard Webhooks ----------------------------------------------------------------------


async def test_standard_webhooks_signed_by_the_library() -> None:
    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    body = b'{"type":"message.status","data":{"status":"delivered","channel":"sms"}}'
    now = dt.datetime.now(dt.UTC)
    signature = standardwebhooks.Webhook(secret).sign("msg_1", now, body.decode())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    verifier = StandardVerifier(secret)
    assert await verifier.verify(request(body, headers)) is None
    [item] = verifier.parse(request(body, headers))
    assert item.dedupe_id == "msg_1"
    for bad in (
        {"webhook-signature": "v1,AAAA"},
        {"webhook-signature": "garbage"},
        {"webhook-timestamp": "1"},
    ):
        with pytest.raises(SignatureError):
            await verifier.verify(request(body, headers | bad))


def signed_bytes(key: bytes, msg_id: str, stamp: str, body: bytes) -> str:
    """A v1 signature computed on the raw bytes, as a sender of any language would."""
    mac = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


async def test_a_signed_standard_webhook_body_that_is_not_utf8_is_a_dead_letter_not_401(
    publisher: FakePublisher, deduper: Deduper, machine: StatusMachine, directory: ContactDirectory
) -> None:
    key = b"0123456789abcdef0123456789abcdef"
    verifier = StandardVerifier("whsec_" + base64.b64encode(key).decode())
    hooks = await start_hooks([verifier], publisher, deduper, machine, directory)
    body = b'{"type":"message.inbound","data":{"text":"caf\xe9"}}'
    stamp = str(int(time.time()))
    signed = {
        "webhook-id": "msg_latin1",
        "webhook-timestamp": stamp,
        "webhook-signature": signed_bytes(key, "msg_latin1", stamp, body),
        "Content-Type": "application/json",
    }
    try:
        resp = await hooks.client.post("/webhooks/standard", data=body, headers=signed)
        # Authentic but unusable: acknowledged (no retries for days), kept with why.
        assert resp.status == 200
        [letter] = publisher.on("dead-letters")
        assert "UTF-8" in str(letter["error"])
        for forged in (
            {"webhook-signature": signed_bytes(b"another key", "msg_latin1", stamp, body)},
            {"webhook-timestamp": str(int(time.time()) - 3600)},
            {"webhook-signature": "garbage"},
        ):
            resp = await hooks.client.post("/webhooks/standard", data=body, headers=signed | forged)
            assert resp.status == 401, forged
    finally:
        await hooks.client.close()
    assert len(publisher.records) == 1  # the letter; nothing of the forged ones


# -- Amazon SNS (SES) -----------------------------------------------------------------------


def make_cert() -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key, self_signed_pem(key, "sns.amazonaws.com")


CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-events"


def sns_message(key: rsa.RSAPrivateKey, version: str = "2", **extra: str) -> dict[str, str]:
    ses = {
        "notificationType": "Bounce",
        "mail": {"messageId": "ses-1", "destination": ["a@b.c"]},
        "bounce": {"bounceType": "Permanent", "bounceSubType": "General"},
    }
    message = {
        "Type": "Notification",
        "MessageId": "sns-1",
        "TopicArn": TOPIC,
        "Message": json.dumps(ses),
        "Timestamp": "2026-01-01T00:00:00.000Z",
        "SignatureVersion": version,
        "SigningCertURL": CERT_URL,
    } | extra
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
    signature = key.sign(string_to_sign(message), padding.PKCS1v15(), algorithm)
    return message | {"Signature": base64.b64encode(signature).decode()}


@pytest.mark.parametrize("version", ["1", "2"])
async def test_sns_signature_with_local_certificate(version: str) -> None:
    key, pem = make_cert()
    fetched: list[str] = []

    async def fetcher(url: str) -> bytes:
        fetched.append(url)
        return pem

    verifier = SnsVerifier((TOPIC,), fetcher)
    message = sns_message(key, version)
    body = json.dumps(message).encode()
    assert await verifier.verify(request(body, content_type="text/plain")) is None
    [report] = verifier.parse(request(body))
    assert isinstance(report, StatusReport)
    assert report.status.value == "bounced"
    assert report.permanent is True
    assert report.message_id == "ses-1"
    tampered = json.dumps(
        message | {"Message": message["Message"].replace("Permanent", "Transient")}
    )
    with pytest.raises(SignatureError):
        await verifier.verify(request(tampered.encode()))
    assert fetched == [CERT_URL]  # cached


async def test_sns_refuses_foreign_certificate_hosts_and_topics() -> None:
    key, pem = make_cert()

    async def fetcher(url: str) -> bytes:
        return pem

    verifier = SnsVerifier((TOPIC,), fetcher)
    for url in (
        "http://sns.us-east-1.amazonaws.com/x.pem",
        "https://sns.us-east-1.amazonaws.com.evil.com/x.pem",
        "https://evil.com/sns.us-east-1.amazonaws.com/x.pem",
        "https://sns.us-east-1.amazonaws.com/x.txt",
    ):
        assert not is_sns_url(url, pem=True)
        body = json.dumps(sns_message(key, SigningCertURL=url)).encode()
        with pytest.raises(SignatureError):
            await verifier.verify(request(body))
    other_topic = json.dumps(sns_message(key, TopicArn="arn:aws:sns:us-east-1:1:other")).encode()
    with pytest.raises(SignatureError, match="TopicArn"):
        await verifier.verify(request(other_topic))
