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

import standardwebhooks

from recaudo.channels.webhooks.base import (
    InboundMessage,
    StatusReport,
    Verifier,
    WebhookItem,
    WebhookRequest,
)
from recaudo.channels.webhooks.forms import json_object, mapping, req, text
from recaudo.foundation.errors import InvalidEvent, SignatureError
from recaudo.streams.events import Channel, DeliveryStatus


class StandardVerifier(Verifier):
    def __init__(self, secret: str, name: str = "standard") -> None:
        self.name = name
        self._webhook = standardwebhooks.Webhook(secret)

    async def verify(self, request: WebhookRequest) -> str | None:
        headers = {
            k: request.headers.get(k, "")
            for k in ("webhook-id", "webhook-timestamp", "webhook-signature")
        }
        try:
            self._webhook.verify(request.body, headers, json_parse=False)
        except (standardwebhooks.WebhookVerificationError, ValueError, UnicodeDecodeError) as exc:
            raise SignatureError(f"Standard Webhooks signature: {exc}") from exc
        return None

    def parse(self, request: WebhookRequest) -> list[WebhookItem]:
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
