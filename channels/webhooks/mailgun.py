"""Mailgun webhooks (JSON).

``signature.signature`` = hex HMAC-SHA256(webhook signing key, timestamp +
token). Stale timestamps (over ``tolerance_s``) are refused, and the token is
returned to the service, which refuses a token it has seen before (replay
cache in Redis). Custom variables (``v:rc_ref`` at send) come back in
``event-data.user-variables``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from recaudo.channels.providers.mailgun import REF_VAR
from recaudo.channels.webhooks.base import (
    StatusReport,
    Verifier,
    WebhookItem,
    WebhookRequest,
    from_unix,
)
from recaudo.channels.webhooks.forms import json_object, mapping, req, text
from recaudo.contracts.events import Channel, DeliveryStatus
from recaudo.foundation.errors import InvalidEvent, SignatureError

S = DeliveryStatus
EVENTS = {
    "accepted": S.QUEUED,
    "delivered": S.DELIVERED,
    "opened": S.OPENED,
    "clicked": S.CLICKED,
    "unsubscribed": S.UNSUBSCRIBED,
    "complained": S.COMPLAINED,
    "rejected": S.FAILED,
}


def mailgun_signature(signing_key: str, timestamp: str, token: str) -> str:
    return hmac.new(signing_key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()


class MailgunVerifier(Verifier):
    def __init__(
        self,
        signing_key: str,
        *,
        tolerance_s: float = 300.0,
        clock: Callable[[], float] = time.time,
        name: str = "mailgun",
    ) -> None:
        self.name = name
        self._key = signing_key
        self._tolerance_s = tolerance_s
        self._clock = clock

    async def verify(self, request: WebhookRequest) -> str | None:
        body = json_object(request.body)
        sig = body.get("signature")
        if not isinstance(sig, dict):
            raise SignatureError("missing signature object")
        timestamp, token, signature = (sig.get(k) for k in ("timestamp", "token", "signature"))
        if not (isinstance(timestamp, str | int) and isinstance(token, str)):
            raise SignatureError("malformed signature object")
        if not isinstance(signature, str) or not token:
            raise SignatureError("malformed signature object")
        moment = from_unix(timestamp)
        if moment is None or abs(self._clock() - moment.timestamp()) > self._tolerance_s:
            raise SignatureError("stale or invalid Mailgun timestamp")
        expected = mailgun_signature(self._key, str(timestamp), token)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise SignatureError("Mailgun signature does not match")
        return f"token:{token}"

    def parse(self, request: WebhookRequest) -> list[WebhookItem]:
        data = mapping(json_object(request.body).get("event-data"), "event-data")
        event_id = req(data.get("id"), "event-data.id")
        kind = req(data.get("event"), "event-data.event")
        permanent = False
        if kind == "failed":
            severity = data.get("severity")
            if severity == "temporary":
                return []  # Mailgun keeps retrying; no status change yet
            status = S.BOUNCED
            permanent = severity == "permanent"
        elif kind in EVENTS:
            status = EVENTS[kind]
        else:
            return []
        message = data.get("message") or {}
        headers = mapping(message, "message").get("headers") or {}
        message_id = text(
            mapping(headers, "message.headers").get("message-id"), "message-id", required=False
        )
        variables = data.get("user-variables") or {}
        if not isinstance(variables, dict):
            raise InvalidEvent("user-variables must be an object")
        ref = variables.get(REF_VAR)
        delivery = data.get("delivery-status") or {}
        code = delivery.get("code") if isinstance(delivery, dict) else None
        return [
            StatusReport(
                dedupe_id=event_id,
                status=status,
                message_id=message_id.strip("<>") if message_id else None,
                ref=ref if isinstance(ref, str) else None,
                channel=Channel.EMAIL,
                address=text(data.get("recipient"), "recipient", required=False),
                error_code=str(code) if isinstance(code, int | str) and code != "" else None,
                permanent=permanent,
                occurred_at=from_unix(data.get("timestamp")),
                opt_out=status in (S.UNSUBSCRIBED, S.COMPLAINED),
            )
        ]
