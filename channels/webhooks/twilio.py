"""Twilio status callbacks and inbound messages (SMS, WhatsApp, Voice).

Signature: ``X-Twilio-Signature`` = Base64(HMAC-SHA1(AuthToken, URL + each
POST param name+value sorted by name)). JSON bodies are signed over the URL
alone, which carries ``bodySHA256`` = hex SHA-256 of the body. Like Twilio's
own validator we accept the URL with and without the default port, since
proxies differ on it. Twilio signs no timestamp, so replay protection is the
event de-duplication on MessageSid+MessageStatus (CallSid+CallStatus+
SequenceNumber).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import parse_qs, urlsplit, urlunsplit

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
MESSAGE_STATUS: dict[str, DeliveryStatus] = {
    "accepted": S.QUEUED,
    "scheduled": S.QUEUED,
    "queued": S.QUEUED,
    "sending": S.QUEUED,
    "sent": S.SENT,
    "delivered": S.DELIVERED,
    "undelivered": S.UNDELIVERED,
    "failed": S.FAILED,
    "canceled": S.FAILED,
    "read": S.READ,
}
CALL_STATUS: dict[str, DeliveryStatus] = {
    "queued": S.QUEUED,
    "initiated": S.QUEUED,
    "ringing": S.SENT,
    "in-progress": S.ANSWERED,
    "completed": S.ANSWERED,
    "busy": S.BUSY,
    "no-answer": S.NO_ANSWER,
    "failed": S.FAILED,
    "canceled": S.FAILED,
}
# Unreachable/unknown/landline/blocked/unsubscribed: never use the number again.
PERMANENT_ERRORS = frozenset({"21211", "21610", "21614", "30003", "30005", "30006", "63003"})


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's scheme: the URL, then name+value for every param sorted by name (then value)."""
    payload = url + "".join(k + v for k, v in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _port_variants(url: str) -> set[str]:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    variants = {url, urlunsplit(parts._replace(netloc=host))}
    if default is not None and parts.port is None:
        variants.add(urlunsplit(parts._replace(netloc=f"{host}:{default}")))
    return variants


class TwilioVerifier(Verifier):
    ack_body = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    ack_content_type = "text/xml"

    def __init__(self, auth_token: str, name: str = "twilio") -> None:
        self.name = name
        self._token = auth_token

    async def verify(self, request: WebhookRequest) -> str | None:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature:
            raise SignatureError("missing X-Twilio-Signature")
        body_hash = parse_qs(urlsplit(request.url).query).get("bodySHA256")
        if body_hash:
            params: list[tuple[str, str]] = []
            actual = hashlib.sha256(request.body).hexdigest()
            if not hmac.compare_digest(actual.encode(), body_hash[0].lower().encode()):
                raise SignatureError("bodySHA256 does not match the body")
        else:
            params = form_pairs(request.body)
        for url in _port_variants(request.url):
            expected = twilio_signature(self._token, url, params)
            if hmac.compare_digest(expected.encode(), signature.encode()):
                return None
        raise SignatureError("X-Twilio-Signature does not match")

    def parse(self, request: WebhookRequest) -> list[WebhookItem]:
        if request.content_type == "application/json":
            params = {k: str(v) for k, v in json_object(request.body).items()}
        else:
            params = dict(form_pairs(request.body))
        ref = request.query.get("ref") or None
        if "CallSid" in params:
            return [self._call(params, ref)]
        sid = req(params.get("MessageSid") or params.get("SmsSid"), "MessageSid")
        status = params.get("MessageStatus") or params.get("SmsStatus") or ""
        channel = (
            Channel.WHATSAPP
            if params.get("From", "").startswith("whatsapp:")
            or params.get("To", "").startswith("whatsapp:")
            else Channel.SMS
        )
        if status == "received" or (not params.get("MessageStatus") and "Body" in params):
            sender = req(params.get("From"), "From")
            return [
                InboundMessage(
                    dedupe_id=sid,
                    channel=channel,
                    from_address=sender,
                    text=params.get("Body"),
                    message_id=sid,
                    ref=ref,
                    opt_out=params.get("OptOutType", "").upper() == "STOP",
                    to_address=params.get("To") or None,
                )
            ]
        mapped = MESSAGE_STATUS.get(status)
        if mapped is None:
            raise InvalidEvent(f"unknown MessageStatus {status!r}")
        code = params.get("ErrorCode") or None
        return [
            StatusReport(
                dedupe_id=f"{sid}:{status}",
                status=mapped,
                message_id=sid,
                ref=ref,
                channel=channel,
                address=params.get("To") or None,
                error_code=code,
                permanent=code in PERMANENT_ERRORS,
            )
        ]

    def _call(self, params: dict[str, str], ref: str | None) -> StatusReport:
        sid = params["CallSid"]
        status = params.get("CallStatus", "")
        mapped = CALL_STATUS.get(status)
        if mapped is None:
            raise InvalidEvent(f"unknown CallStatus {status!r}")
        if mapped is S.ANSWERED and params.get("AnsweredBy", "").startswith("machine"):
            mapped = S.VOICEMAIL
        code = params.get("ErrorCode") or None
        return StatusReport(
            dedupe_id=f"{sid}:{status}:{params.get('SequenceNumber', '')}",
            status=mapped,
            message_id=sid,
            ref=ref,
            channel=Channel.VOICE,
            address=params.get("To") or None,
            error_code=code,
            permanent=code in PERMANENT_ERRORS,
        )
