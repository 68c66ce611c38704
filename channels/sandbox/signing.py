"""Build provider webhooks exactly as the providers send them, signed.

Each function returns ``(headers, body)`` for one POST; the sandbox posts them
to our webhook routes so the real verification code runs end to end.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from recaudo.channels.webhooks.infobip import basic_auth
from recaudo.channels.webhooks.mailgun import mailgun_signature
from recaudo.channels.webhooks.meta import meta_signature
from recaudo.channels.webhooks.twilio import twilio_signature
from recaudo.channels.webhooks.vonage import vonage_signature

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
Signed = tuple[dict[str, str], bytes]


def twilio(auth_token: str, url: str, params: Sequence[tuple[str, str]]) -> Signed:
    headers = {
        "Content-Type": FORM,
        "X-Twilio-Signature": twilio_signature(auth_token, url, params),
        "I-Twilio-Idempotency-Token": secrets.token_hex(16),
    }
    return headers, urlencode(params).encode()


def sendgrid(private_key: ec.EllipticCurvePrivateKey, events: list[dict[str, Any]]) -> Signed:
    # SendGrid's body ends with CRLF, and the CRLF is part of what it signs.
    body = orjson.dumps(events) + b"\r\n"
    timestamp = str(int(time.time()))
    signature = private_key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    headers = {
        "Content-Type": JSON,
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
    }
    return headers, body


def meta(app_secret: str, value: dict[str, Any], waba_id: str = "WABA") -> Signed:
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"field": "messages", "value": value}]}],
    }
    body = orjson.dumps(payload)
    return {"Content-Type": JSON, "X-Hub-Signature-256": meta_signature(app_secret, body)}, body


def mailgun(signing_key: str, event_data: dict[str, Any]) -> Signed:
    timestamp = str(int(time.time()))
    token = secrets.token_hex(25)
    signature = {
        "timestamp": timestamp,
        "token": token,
        "signature": mailgun_signature(signing_key, timestamp, token),
    }
    return {"Content-Type": JSON}, orjson.dumps({"signature": signature, "event-data": event_data})


def infobip(username: str, password: str, results: list[dict[str, Any]]) -> Signed:
    headers = {"Content-Type": JSON, "Authorization": basic_auth(username, password)}
    return headers, orjson.dumps({"results": results})


def vonage(signature_secret: str, params: Mapping[str, str]) -> Signed:
    signed = dict(params) | {"timestamp": str(int(time.time())), "nonce": secrets.token_hex(16)}
    signed["sig"] = vonage_signature(signature_secret, signed)
    return {"Content-Type": FORM}, urlencode(signed).encode()
