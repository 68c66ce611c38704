"""Infobip SMS delivery reports and inbound messages.

Infobip publishes no signing scheme for these callbacks, so we require HTTP
Basic auth (credentials configured on the Infobip side in the notify URL or
webhook settings) and compare both parts in constant time. Reports are
de-duplicated on messageId+status group.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from recaudo.channels.providers.http import basic_auth
from recaudo.channels.webhooks.base import (
    InboundMessage,
    StatusReport,
    Verifier,
    WebhookItem,
    WebhookRequest,
)
from recaudo.channels.webhooks.forms import items, json_object, mapping, req, text
from recaudo.contracts.events import Channel, DeliveryStatus
from recaudo.foundation.errors import SignatureError

S = DeliveryStatus
GROUPS = {1: S.QUEUED, 2: S.UNDELIVERED, 3: S.DELIVERED, 4: S.UNDELIVERED, 5: S.FAILED}


__all__ = ["InfobipVerifier", "basic_auth"]


class InfobipVerifier(Verifier):
    def __init__(self, username: str, password: str, name: str = "infobip") -> None:
        self.name = name
        self._user = username.encode()
        self._password = password.encode()

    async def verify(self, request: WebhookRequest) -> str | None:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            raise SignatureError("missing Basic credentials")
        try:
            user, _, password = base64.b64decode(value, validate=True).partition(b":")
        except (binascii.Error, ValueError) as exc:
            raise SignatureError("malformed Basic credentials") from exc
        ok_user = hmac.compare_digest(user, self._user)
        ok_password = hmac.compare_digest(password, self._password)
        if not (ok_user and ok_password):
            raise SignatureError("wrong Basic credentials")
        return None

    def parse(self, request: WebhookRequest) -> list[WebhookItem]:
        out: list[WebhookItem] = []
        for raw in items(json_object(request.body).get("results"), "results"):
            result = mapping(raw, "results[]")
            message_id = req(result.get("messageId"), "results[].messageId")
            if "status" in result:
                status = mapping(result.get("status"), "status")
                group = status.get("groupId")
                mapped = GROUPS.get(group) if isinstance(group, int) else None
                if mapped is None:
                    continue
                error = result.get("error") or {}
                error = error if isinstance(error, dict) else {}
                code = error.get("name") if error.get("groupId") not in (None, 0) else None
                ref = result.get("callbackData")
                out.append(
                    StatusReport(
                        dedupe_id=f"{message_id}:{group}",
                        status=mapped,
                        message_id=message_id,
                        ref=ref if isinstance(ref, str) else None,
                        channel=Channel.SMS,
                        address=text(result.get("to"), "to", required=False),
                        error_code=str(code)[:64] if code else None,
                        permanent=bool(error.get("permanent")) and mapped is not S.DELIVERED,
                    )
                )
            else:
                out.append(
                    InboundMessage(
                        dedupe_id=message_id,
                        channel=Channel.SMS,
                        from_address=req(result.get("from"), "results[].from"),
                        text=text(result.get("text"), "text", required=False),
                        message_id=message_id,
                        to_address=text(result.get("to"), "to", required=False),
                    )
                )
        return out
