"""SendGrid Signed Event Webhook.

``X-Twilio-Email-Event-Webhook-Signature`` is a Base64 DER ECDSA P-256/SHA-256
signature over ``timestamp + raw body`` (the body's trailing CRLF included),
checked with ``cryptography``; the public key is the Base64 DER key from the
SendGrid console. The timestamp is the signing time of each attempt, so a
tolerance window bounds replays; events are de-duplicated on ``sg_event_id``
(SendGrid retries for up to 24 h).
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from recaudo.channels.providers.sendgrid import REF_ARG
from recaudo.channels.webhooks.base import (
    StatusReport,
    Verifier,
    WebhookItem,
    WebhookRequest,
    from_unix,
)
from recaudo.channels.webhooks.forms import items, json_body, mapping, req, text
from recaudo.contracts.events import Channel, DeliveryStatus
from recaudo.foundation.errors import SignatureError

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
S = DeliveryStatus
EVENTS: dict[str, DeliveryStatus] = {
    "processed": S.QUEUED,
    "delivered": S.DELIVERED,
    "dropped": S.FAILED,
    "bounce": S.BOUNCED,
    "open": S.OPENED,
    "click": S.CLICKED,
    "spamreport": S.COMPLAINED,
    "unsubscribe": S.UNSUBSCRIBED,
    "group_unsubscribe": S.UNSUBSCRIBED,
}
# ``deferred`` (SendGrid keeps retrying) and ``group_resubscribe`` change no status.
IGNORED = frozenset({"deferred", "group_resubscribe"})
PERMANENT_DROPS = ("bounced address", "invalid", "unsubscribed address", "spam reporting address")


def load_public_key(b64_der: str) -> ec.EllipticCurvePublicKey:
    key = load_der_public_key(base64.b64decode(b64_der))
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("SendGrid verification key must be an EC public key")
    return key


class SendGridVerifier(Verifier):
    def __init__(
        self,
        public_key_b64: str,
        *,
        tolerance_s: float = 600.0,
        clock: Callable[[], float] = time.time,
        name: str = "sendgrid",
    ) -> None:
        self.name = name
        self._key = load_public_key(public_key_b64)
        self._tolerance_s = tolerance_s
        self._clock = clock

    async def verify(self, request: WebhookRequest) -> str | None:
        signature = request.headers.get(SIGNATURE_HEADER, "")
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        if not signature or not timestamp:
            raise SignatureError("missing SendGrid signature headers")
        try:
            sent_at = int(timestamp)
            der = base64.b64decode(signature, validate=True)
        except (ValueError, binascii.Error) as exc:
            raise SignatureError("malformed SendGrid signature headers") from exc
        if abs(self._clock() - sent_at) > self._tolerance_s:
            raise SignatureError("SendGrid timestamp outside the tolerance window")
        try:
            self._key.verify(der, timestamp.encode() + request.body, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature as exc:
            raise SignatureError("SendGrid signature does not match") from exc
        return None

    def parse(self, request: WebhookRequest) -> list[WebhookItem]:
        out: list[WebhookItem] = []
        for i, raw in enumerate(items(json_body(request.body), "body")):
            event = mapping(raw, f"[{i}]")
            kind = text(event.get("event"), f"[{i}].event")
            if kind in IGNORED:
                continue
            status = EVENTS.get(kind or "")
            if status is None:
                continue  # new event types must not make SendGrid retry the batch forever
            event_id = req(event.get("sg_event_id"), f"[{i}].sg_event_id")
            out.append(self._report(event, event_id, status, kind or ""))
        return out

    def _report(
        self, event: dict[str, Any], event_id: str, status: DeliveryStatus, kind: str
    ) -> StatusReport:
        message_id = text(event.get("sg_message_id"), "sg_message_id", required=False)
        reason = str(event.get("reason") or "").lower()
        permanent = (kind == "bounce" and event.get("type", "bounce") == "bounce") or (
            kind == "dropped" and any(r in reason for r in PERMANENT_DROPS)
        )
        code = text(event.get("status"), "status", required=False) or (
            text(event.get("type"), "type", required=False) if kind == "bounce" else None
        )
        ref = event.get(REF_ARG)
        return StatusReport(
            dedupe_id=event_id,
            status=status,
            # The X-Message-Id we stored is the part before the first ".".
            message_id=message_id.split(".", 1)[0] if message_id else None,
            ref=ref if isinstance(ref, str) else None,
            channel=Channel.EMAIL,
            address=text(event.get("email"), "email", required=False),
            error_code=code,
            permanent=permanent,
            occurred_at=from_unix(event.get("timestamp")),
            opt_out=status in (S.UNSUBSCRIBED, S.COMPLAINED),
        )
