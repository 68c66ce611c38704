"""Vonage SMS delivery receipts and inbound messages (signed).

``sig`` = upper-case hex HMAC-SHA256(signature secret, ``&k=v`` for every
param but ``sig`` sorted by name, with ``&`` and ``=`` in values replaced by
``_``). The ``timestamp`` param must be within ``tolerance_s`` of now and the
``nonce`` is returned to the service's replay cache. Params come form-encoded
or as a JSON object.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping

from recaudo.channels.webhooks.base import (
    InboundMessage,
    StatusReport,
    Verifier,
    WebhookItem,
    WebhookRequest,
)
from recaudo.channels.webhooks.forms import form_pairs, json_object, req
from recaudo.contracts.events import Channel, DeliveryStatus
from recaudo.foundation.errors import InvalidEvent, SignatureError

S = DeliveryStatus
STATUSES = {
    "accepted": S.SENT,
    "buffered": S.SENT,
    "delivered": S.DELIVERED,
    "expired": S.UNDELIVERED,
    "failed": S.FAILED,
    "rejected": S.FAILED,
}
# Absent subscriber (permanent), call barred, illegal number, unroutable.
PERMANENT_ERRORS = frozenset({"3", "4", "9", "11"})


def vonage_signature(secret: str, params: Mapping[str, str]) -> str:
    payload = "".join(
        f"&{k}={v.replace('&', '_').replace('=', '_')}"
        for k, v in sorted(params.items())
        if k != "sig"
    )
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest().upper()


def _params(request: WebhookRequest) -> dict[str, str]:
    if request.content_type == "application/json":
        return {k: str(v) for k, v in json_object(request.body).items()}
    return dict(form_pairs(request.body))


class VonageVerifier(Verifier):
    def __init__(
        self,
        signature_secret: str,
        *,
        tolerance_s: float = 300.0,
        clock: Callable[[], float] = time.time,
        name: str = "vonage",
    ) -> None:
        self.name = name
        self._secret = signature_secret
        self._tolerance_s = tolerance_s
        self._clock = clock

    async def verify(self, request: WebhookRequest) -> str | None:
        params = _params(request)
        sig, timestamp, nonce = params.get("sig"), params.get("timestamp"), params.get("nonce")
        if not sig or not timestamp or not nonce:
            raise SignatureError("missing sig, timestamp or nonce")
        try:
            sent_at = int(timestamp)
        except ValueError as exc:
            raise SignatureError("timestamp is not an integer") from exc
        if abs(self._clock() - sent_at) > self._tolerance_s:
            raise SignatureError("timestamp outside the tolerance window")
        expected = vonage_signature(self._secret, params)
        if not hmac.compare_digest(expected.encode(), sig.upper().encode()):
            raise SignatureError("sig does not match")
        return f"nonce:{nonce}"

    def parse(self, request: WebhookRequest) -> list[WebhookItem]:
        params = _params(request)
        message_id = req(params.get("messageId"), "messageId")
        ref = params.get("client-ref") or None
        if "status" in params:
            status = params["status"]
            mapped = STATUSES.get(status)
            if mapped is None:
                return []  # "unknown": no information
            code = params.get("err-code") or None
            return [
                StatusReport(
                    dedupe_id=f"{message_id}:{status}",
                    status=mapped,
                    message_id=message_id,
                    ref=ref,
                    channel=Channel.SMS,
                    address=params.get("msisdn") or None,
                    error_code=None if code == "0" else code,
                    permanent=code in PERMANENT_ERRORS,
                )
            ]
        if "text" in params or params.get("type") == "text":
            return [
                InboundMessage(
                    dedupe_id=message_id,
                    channel=Channel.SMS,
                    from_address=req(params.get("msisdn"), "msisdn"),
                    text=params.get("text"),
                    message_id=message_id,
                    ref=ref,
                    to_address=params.get("to") or None,
                )
            ]
        raise InvalidEvent("neither a delivery receipt nor an inbound message")
