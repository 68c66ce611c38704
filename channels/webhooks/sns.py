"""Amazon SES notifications delivered by SNS.

SNS signs ``"Key\\nValue\\n"`` for the present keys of a fixed list, in order,
with RSA (SignatureVersion 1: SHA1, 2: SHA256) and names the certificate in
``SigningCertURL``; we fetch a certificate only from
``https://sns.<region>.amazonaws.com/...pem`` (else anyone could sign with
their own) and cache it. The fetcher is injectable so tests sign with a
locally generated certificate. ``TopicArn`` must be one we subscribed to.
Subscription confirmations are confirmed by fetching ``SubscribeURL`` (same
host rule) when ``auto_confirm`` is set.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from recaudo.channels.webhooks.base import StatusReport, Verifier, WebhookItem, WebhookRequest
from recaudo.channels.webhooks.forms import json_object, mapping, req, text
from recaudo.contracts.events import Channel, DeliveryStatus
from recaudo.foundation.errors import InvalidEvent, SignatureError

S = DeliveryStatus
NOTIFICATION_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_KEYS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
_SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")

Fetcher = Callable[[str], Awaitable[bytes]]


def is_sns_url(url: str, *, pem: bool) -> bool:
    """An https URL on ``sns.<region>.amazonaws.com`` (and a .pem path for certificates)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme != "https" or parts.username or parts.password or port not in (None, 443):
        return False
    if not _SNS_HOST.match(parts.hostname or ""):
        return False
    return parts.path.endswith(".pem") if pem else True


def string_to_sign(message: dict[str, Any]) -> bytes:
    kind = message.get("Type")
    keys = NOTIFICATION_KEYS if kind == "Notification" else CONFIRMATION_KEYS
    out = "".join(f"{k}\n{message[k]}\n" for k in keys if message.get(k) is not None)
    return out.encode()


def http_fetcher(session: aiohttp.ClientSession, timeout_s: float = 5.0) -> Fetcher:
    async def fetch(url: str) -> bytes:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout_s)) as resp:
            resp.raise_for_status()
            return await resp.read()

    return fetch


class SnsVerifier(Verifier):
    def __init__(
        self,
        allowed_topic_arns: tuple[str, ...],
        fetcher: Fetcher,
        *,
        auto_confirm: bool = True,
        url_check: Callable[..., bool] = is_sns_url,
        name: str = "ses",
    ) -> None:
        self.name = name
        self._topics = frozenset(allowed_topic_arns)
        self._fetch = fetcher
        self._auto_confirm = auto_confirm
        self._url_check = url_check
        self._certs: dict[str, rsa.RSAPublicKey] = {}

    async def _public_key(self, url: str) -> rsa.RSAPublicKey:
        key = self._certs.get(url)
        if key is not None:
            return key
        if not self._url_check(url, pem=True):
            raise SignatureError("SigningCertURL is not an SNS certificate URL")
        try:
            cert = x509.load_pem_x509_certificate(await self._fetch(url))
        except (ValueError, aiohttp.ClientError, TimeoutError) as exc:
            raise SignatureError(f"cannot load the SNS certificate: {exc}") from exc
        now = dt.datetime.now(dt.UTC)
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise SignatureError("SNS certificate is not valid now")
        public = cert.public_key()
        if not isinstance(public, rsa.RSAPublicKey):
            raise SignatureError("SNS certificate key is not RSA")
        self._certs[url] = public
        return public

    async def verify(self, request: WebhookRequest) -> str | None:
        message = json_object(request.body)
        if not all(isinstance(v, str) for v in message.values()):
            raise InvalidEvent("SNS message fields must be strings")
        if message.get("TopicArn") not in self._topics:
            raise SignatureError("TopicArn is not subscribed")
        version = message.get("SignatureVersion")
        algorithm: hashes.HashAlgorithm
        if version == "1":
            algorithm = hashes.SHA1()
        elif version == "2":
            algorithm = hashes.SHA256()
        else:
            raise SignatureError("unsupported SignatureVersion")
        try:
            signature = base64.b64decode(message.get("Signature", ""), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SignatureError("Signature is not Base64") from exc
        key = await self._public_key(str(message.get("SigningCertURL", "")))
        try:
            key.verify(signature, string_to_sign(message), padding.PKCS1v15(), algorithm)
        except InvalidSignature as exc:
            raise SignatureError("SNS signature does not match") from exc
        if message.get("Type") == "SubscriptionConfirmation" and self._auto_confirm:
            url = str(message.get("SubscribeURL", ""))
            if not self._url_check(url, pem=False):
                raise SignatureError("SubscribeURL is not an SNS URL")
            try:
                await self._fetch(url)
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise InvalidEvent(f"subscription confirmation failed: {exc}") from exc
        return None

    def parse(self, request: WebhookRequest) -> list[WebhookItem]:
        message = json_object(request.body)
        if message.get("Type") != "Notification":
            return []
        sns_id = req(message.get("MessageId"), "MessageId")
        ses = json_object(req(message.get("Message"), "Message").encode())
        kind = ses.get("notificationType") or ses.get("eventType")
        mail = mapping(ses.get("mail"), "mail")
        message_id = text(mail.get("messageId"), "mail.messageId", required=False)
        destination = mail.get("destination") or []
        address = destination[0] if isinstance(destination, list) and destination else None
        permanent = False
        code: str | None = None
        opt_out = False
        if kind == "Bounce":
            bounce = mapping(ses.get("bounce"), "bounce")
            status = S.BOUNCED
            permanent = bounce.get("bounceType") == "Permanent"
            code = text(bounce.get("bounceSubType"), "bounceSubType", required=False)
        elif kind == "Complaint":
            status, opt_out = S.COMPLAINED, True
        elif kind == "Delivery":
            status = S.DELIVERED
        elif kind == "Send":
            status = S.QUEUED
        elif kind == "Reject":
            status = S.FAILED
        elif kind == "Open":
            status = S.OPENED
        elif kind == "Click":
            status = S.CLICKED
        else:
            return []
        tags = mail.get("tags") or {}
        refs = tags.get("rc_ref") if isinstance(tags, dict) else None
        ref = refs[0] if isinstance(refs, list) and refs and isinstance(refs[0], str) else None
        return [
            StatusReport(
                dedupe_id=sns_id,
                status=status,
                message_id=message_id,
                ref=ref,
                channel=Channel.EMAIL,
                address=address if isinstance(address, str) else None,
                error_code=code,
                permanent=permanent,
                opt_out=opt_out,
            )
        ]
