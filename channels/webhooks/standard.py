"""A generic provider speaking Standard Webhooks (webhook-id/-timestamp/-signature).

Verification is the ``standardwebhooks`` library (5-minute tolerance, ``v1,``
signatures, ``whsec_`` secrets); the ``webhook-id`` is the de-duplication key.
The payload is Recaudo's own neutral shape, for providers without an adapter:

    {"type": "message.status", "data": {"message_id", "ref", "status",
     "channel", "address", "error_code", "permanent"}}
    {"type": "message.inbound", "data": {"message_id", "ref", "channel",
     "from", "text"}}
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

import standardwebhooks

from recaudo.channels.webhooks.base import (
    InboundMessage,
    StatusReport,
    Verifier,
    WebhookItem,
    WebhookRequest,
)
from recaudo.channels.webhooks.forms import json_object, mapping, req, text
from recaudo.contracts.events import Channel, DeliveryStatus
from recaudo.foundation.errors import InvalidEvent, SignatureError

#: The library's window for ``webhook-timestamp`` (5 minutes either way).
TOLERANCE_S = 300


class StandardVerifier(Verifier):
    def __init__(self, secret: str, name: str = "standard") -> None:
        self.name = name
        self._webhook = standardwebhooks.Webhook(secret)
        # The library signs text only; the same key checks a body that is not UTF-8.
        self._key = base64.b64decode(secret.removeprefix("whsec_") + "==")

    async def verify(self, request: WebhookRequest) -> str | None:
        headers = {
            k: request.headers.get(k, "")
            for k in ("webhook-id", "webhook-timestamp", "webhook-signature")
        }
        try:
            request.body.decode()
        except UnicodeDecodeError:
            # Signed but not text: authentic, so a dead letter from parse, not a 401 here.
            self._verify_bytes(request.body, headers)
            return None
        try:
            self._webhook.verify(request.body, headers, json_parse=False)
        except (standardwebhooks.WebhookVerificationError, ValueError) as exc:
            raise SignatureError(f"Standard Webhooks signature: {exc}") from exc
        return None

    def _verify_bytes(self, body: bytes, headers: dict[str, str]) -> None:
        """The library's checks on raw bytes: v1 HMAC-SHA256 over ``id.timestamp.body``
        and the timestamp within its 5 minutes."""
        msg_id, stamp, signatures = (
            headers["webhook-id"],
            headers["webhook-timestamp"],
            headers["webhook-signature"],
        )
        try:
            if not (msg_id and stamp and signatures):
                raise ValueError("Missing required headers")
            if abs(time.time() - int(stamp)) > TOLERANCE_S:
                raise ValueError("Message timestamp outside the tolerance")
            signed = f"{msg_id}.{stamp}.".encode() + body
            expected = hmac.new(self._key, signed, hashlib.sha256).digest()
            for versioned in signatures.split(" "):
                version, _, signature = versioned.partition(",")
                if version == "v1" and hmac.compare_digest(expected, base64.b64decode(signature)):
                    return
            raise ValueError("No matching signature found")
        except (ValueError, binascii.Error) as exc:
            raise SignatureError(f"Standard Webhooks signature: {exc}") from exc

    def parse(self, request: WebhookRequest) -> list[WebhookItem]:
        try:
            request.body.decode()
        except UnicodeDecodeError as exc:
            raise InvalidEvent("body is not UTF-8") from exc
        body = json_object(request.body)
        webhook_id = req(request.headers.get("webhook-id"), "webhook-id")
        data = mapping(body.get("data"), "data")
        try:
            channel = Channel(str(data.get("channel")))
        except ValueError as exc:
            raise InvalidEvent("data.channel must be sms, email, whatsapp or voice") from exc
        ref = text(data.get("ref"), "data.ref", required=False)
        kind = body.get("type")
        if kind == "message.status":
            try:
                status = DeliveryStatus(str(data.get("status")))
            except ValueError as exc:
                raise InvalidEvent("data.status is not a delivery status") from exc
            return [
                StatusReport(
                    dedupe_id=webhook_id,
                    status=status,
                    message_id=text(data.get("message_id"), "data.message_id", required=False),
                    ref=ref,
                    channel=channel,
                    address=text(data.get("address"), "data.address", required=False),
                    error_code=text(data.get("error_code"), "data.error_code", required=False),
                    permanent=data.get("permanent") is True,
                )
            ]
        if kind == "message.inbound":
            return [
                InboundMessage(
                    dedupe_id=webhook_id,
                    channel=channel,
                    from_address=req(data.get("from"), "data.from"),
                    text=text(data.get("text"), "data.text", required=False),
                    message_id=text(data.get("message_id"), "data.message_id", required=False),
                    ref=ref,
                    to_address=text(data.get("to"), "data.to", required=False),
                )
            ]
        raise InvalidEvent("type must be message.status or message.inbound")
