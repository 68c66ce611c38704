"""Meta WhatsApp Cloud API webhooks.

``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``; the
GET subscription handshake echoes ``hub.challenge`` when ``hub.verify_token``
matches. Statuses (sent, delivered, read, failed) arrive in any order and more
than once: de-duplicated on wamid+status and ordered by the status machine.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from recaudo.channels.webhooks.base import (
    InboundMessage,
    StatusReport,
    Verifier,
    WebhookItem,
    WebhookRequest,
    from_unix,
)
from recaudo.channels.webhooks.forms import items, json_object, mapping, req, text
from recaudo.contracts.events import Channel, DeliveryStatus
from recaudo.foundation.errors import InvalidEvent, SignatureError

S = DeliveryStatus
STATUSES = {"sent": S.SENT, "delivered": S.DELIVERED, "read": S.READ, "failed": S.FAILED}
PERMANENT_ERRORS = frozenset({"131026", "131021", "131030"})


def meta_signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class MetaVerifier(Verifier):
    def __init__(self, app_secret: str, verify_token: str, name: str = "meta") -> None:
        self.name = name
        self._secret = app_secret
        self._verify_token = verify_token

    async def verify(self, request: WebhookRequest) -> str | None:
        header = request.headers.get("X-Hub-Signature-256", "")
        if not header:
            raise SignatureError("missing X-Hub-Signature-256")
        expected = meta_signature(self._secret, request.body)
        if not hmac.compare_digest(expected.encode(), header.strip().lower().encode()):
            raise SignatureError("X-Hub-Signature-256 does not match")
        return None

    def handshake(self, query: Mapping[str, str]) -> str | None:
        if query.get("hub.mode") != "subscribe":
            raise SignatureError("hub.mode must be subscribe")
        token = query.get("hub.verify_token", "")
        if not hmac.compare_digest(token.encode(), self._verify_token.encode()):
            raise SignatureError("hub.verify_token does not match")
        return query.get("hub.challenge", "")

    def parse(self, request: WebhookRequest) -> list[WebhookItem]:
        body = json_object(request.body)
        if body.get("object") != "whatsapp_business_account":
            raise InvalidEvent("object must be whatsapp_business_account")
        out: list[WebhookItem] = []
        for entry in items(body.get("entry"), "entry"):
            for change in items(mapping(entry, "entry[]").get("changes"), "changes"):
                value = mapping(mapping(change, "changes[]").get("value", {}), "value")
                for status in items(value.get("statuses"), "statuses"):
                    report = self._status(mapping(status, "statuses[]"))
                    if report is not None:
                        out.append(report)
                # The business number the debtor wrote to: which tenant was answered.
                meta = value.get("metadata")
                ours = meta.get("display_phone_number") if isinstance(meta, dict) else None
                for message in items(value.get("messages"), "messages"):
                    inbound = self._message(mapping(message, "messages[]"))
                    if isinstance(ours, str) and ours:
                        inbound = dataclasses.replace(inbound, to_address=ours)
                    out.append(inbound)
        return out

    def _status(self, status: dict[str, Any]) -> StatusReport | None:
        wamid = text(status.get("id"), "statuses[].id")
        kind = text(status.get("status"), "statuses[].status")
        mapped = STATUSES.get(kind or "")
        if mapped is None or wamid is None:
            return None  # e.g. "deleted", "warning": no delivery status of ours
        errors = items(status.get("errors"), "errors")
        code = None
        if errors and isinstance(errors[0], dict) and errors[0].get("code") is not None:
            code = str(errors[0]["code"])
        ref = status.get("biz_opaque_callback_data")
        recipient = text(status.get("recipient_id"), "recipient_id", required=False)
        return StatusReport(
            dedupe_id=f"{wamid}:{kind}",
            status=mapped,
            message_id=wamid,
            ref=ref if isinstance(ref, str) else None,
            channel=Channel.WHATSAPP,
            address=f"+{recipient}" if recipient else None,
            error_code=code,
            permanent=code in PERMANENT_ERRORS,
            occurred_at=from_unix(status.get("timestamp")),
        )

    def _message(self, message: dict[str, Any]) -> InboundMessage:
        wamid = req(message.get("id"), "messages[].id")
        sender = req(message.get("from"), "messages[].from")
        kind = message.get("type")
        body: str | None = None
        if kind == "text":
            body = text(
                mapping(message.get("text"), "text").get("body"), "text.body", required=False
            )
        elif kind == "button":
            body = text(
                mapping(message.get("button"), "button").get("text"), "button.text", required=False
            )
        elif kind == "interactive":
            interactive = mapping(message.get("interactive"), "interactive")
            reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
            body = text(mapping(reply, "reply").get("title"), "title", required=False)
        return InboundMessage(
            dedupe_id=wamid,
            channel=Channel.WHATSAPP,
            from_address=f"+{sender}",
            text=body,
            message_id=wamid,
            occurred_at=from_unix(message.get("timestamp")),
        )
