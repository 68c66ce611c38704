"""Encrypted, expiring, per-contact payment links.

The token carries the tenant, contact, debtor and expiry, and nothing else: no
name, amount, account or address. All four are encrypted, so someone who
base64-decodes a forwarded or logged link reads nothing at all. It is a pure
function of the contact and the decision time, so a replayed decision renders
the same link. What a click needs (the account, channel and the references
the tenant's payment page is filled with: ``PayDestination``) is kept by the
dispatcher in the debtor's ``contacts`` hash until the link expires
(channels.contact_rows); the debtor in the token is how the click finds that
hash.

Encrypted rather than an opaque id looked up server-side: nothing is written
on the decision path and a replay needs no lookup to render the same link.
AES-SIV (RFC 5297) is deterministic by design (the same contact and time give
the same token, which is all it reveals) and authenticated: its 16-byte
synthetic IV is the MAC (128 bits, a guess costs an HTTP request), so a token
is exactly as long as the signed-only form before it. Keys are derived from
the secret with HKDF-SHA256.

The link goes into SMS, so the token is compact binary, base64url: a format
byte (in the clear, bound to the ciphertext) and AES-SIV over the expiry
(4 bytes), the contact id (12 bytes when it is our 24-hex form) and
``tenant/debtor``: ~58 characters for a short tenant and debtor.

Links sent before still verify until they expire (at most
``RECAUDO_PAY_LINK_TTL_S`` after this form shipped): the signed-only form (format
byte 1 or 2, HMAC-SHA256 under ``SALT_V2``, readable) and the earlier
itsdangerous JSON token (it has a "." and no debtor: its record is the earlier
``pay:`` key).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from urllib.parse import quote, unquote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from itsdangerous import BadSignature, URLSafeSerializer

from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import MessageContent

SALT = "recaudo.pay.v1"
SALT_V2 = b"recaudo.pay.v2"
INFO_V3 = b"recaudo.pay.v3"
MAC_BYTES = 16
# Format bytes: signed-only (readable) forms, then the encrypted forms.
_HEX_CONTACT, _TEXT_CONTACT = 1, 2
_SEALED_HEX, _SEALED_TEXT = 3, 4
_HEX24 = re.compile(r"[0-9a-f]{24}")


@dataclass(frozen=True, slots=True)
class PayToken:
    tenant_id: str
    contact_id: str
    expires_at: dt.datetime
    # None for a link of the earlier form (its record is the legacy ``pay:`` key).
    debtor_id: str | None = None

    def expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_at


class PayLinks:
    """Makes and checks ``{base}/pay/{token}`` links."""

    def __init__(self, secret: str, base_url: str, ttl: dt.timedelta) -> None:
        if not secret:
            raise ValueError("a payment-link secret is required")
        self._serializer = URLSafeSerializer(secret, salt=SALT)
        self._key = hmac.new(secret.encode(), SALT_V2, hashlib.sha256).digest()
        hkdf = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=INFO_V3)
        self._siv = AESSIV(hkdf.derive(secret.encode()))  # AES-256-SIV
        self._base = base_url.rstrip("/")
        self.ttl = ttl

    def token(
        self, tenant_id: str, contact_id: str, debtor_id: str, now: dt.datetime
    ) -> tuple[str, dt.datetime]:
        expires = (now + self.ttl).replace(microsecond=0)
        expiry = struct.pack(">I", int(expires.timestamp()))
        if _HEX24.fullmatch(contact_id):
            kind, contact = _SEALED_HEX, bytes.fromhex(contact_id)
        else:
            raw = contact_id.encode()
            kind, contact = _SEALED_TEXT, bytes([len(raw)]) + raw
        head = bytes([kind])
        plain = expiry + contact + f"{tenant_id}/{debtor_id}".encode()
        return _b64(head + self._siv.encrypt(plain, [head])), expires

    def url(self, token: str) -> str:
        return f"{self._base}/pay/{token}"

    def verify(self, token: str) -> PayToken | None:
        """The token's contents, or None when it was not made by us (tampered, foreign)."""
        if "." in token:
            return self._verify_v1(token)
        try:
            data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            return None
        if data[:1] in (bytes([_SEALED_HEX]), bytes([_SEALED_TEXT])):
            try:
                plain = self._siv.decrypt(data[1:], [data[:1]])
            except (InvalidTag, ValueError):
                return None
            return _parse(data[0] - _SEALED_HEX + _HEX_CONTACT, plain)
        payload, mac = data[:-MAC_BYTES], data[-MAC_BYTES:]
        if len(payload) < 6 or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        return _parse(payload[0], payload[1:])

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:MAC_BYTES]

    def _verify_v1(self, token: str) -> PayToken | None:
        try:
            data = self._serializer.loads(token)
        except BadSignature:
            return None
        if not (isinstance(data, list) and len(data) == 3 and isinstance(data[2], int)):
            return None
        return PayToken(str(data[0]), str(data[1]), dt.datetime.fromtimestamp(data[2], dt.UTC))


def _parse(kind: int, body: bytes) -> PayToken | None:
    """Expiry, contact and ``tenant/debtor`` of a token's authenticated bytes."""
    if len(body) < 5:
        return None
    (expiry,) = struct.unpack_from(">I", body)
    rest = body[4:]
    if kind == _HEX_CONTACT:
        contact, rest = rest[:12].hex(), rest[12:]
    elif kind == _TEXT_CONTACT:
        size = rest[0]
        contact, rest = rest[1 : 1 + size].decode(), rest[1 + size :]
    else:
        return None
    tenant, sep, debtor = rest.decode().partition("/")
    if not sep or not tenant or not debtor:
        return None
    return PayToken(tenant, contact, dt.datetime.fromtimestamp(expiry, dt.UTC), debtor)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def payment_target(template: str, **fields: str | None) -> str:
    """The tenant's payment page URL, each field URL-quoted (missing ones empty)."""
    return template.format_map({k: quote(v or "", safe="") for k, v in fields.items()})


@dataclass(frozen=True, slots=True)
class PayDestination:
    """Where a click on a sent contact's link leads, as dispatch keeps it.

    The references the message was rendered with, not the page's URL: the URL
    repeats the tenant's page (~50 bytes) in every debtor's hash, a third of a
    sent contact's record (``bench.debtor_memory``). A click fills the tenant's
    payment page as configured then (``payment_target``), with the account and
    contact the record is kept under, so a lender that moves its payment page
    keeps every link already sent working. ``url``: a record dispatched by an
    earlier release (or from a command decided by one), whose page was stored.
    """

    payment_reference: str = ""
    account_reference: str = ""
    url: str | None = None

    def stored(self) -> str:
        """The record's text after its expiry: the two references URL-quoted (no ``|``
        and no ``://`` in either), or the earlier form's URL."""
        if self.url is not None:
            return self.url
        return f"{quote(self.payment_reference, safe='')}|{quote(self.account_reference, safe='')}"

    @classmethod
    def for_message(cls, content: MessageContent) -> PayDestination:
        """What to keep of a rendered message's link; a message rendered by an earlier
        release carries no references, only its page."""
        if content.account_reference is None:
            return cls(url=content.pay_target)
        return cls(content.payment_reference or "", content.account_reference)

    @classmethod
    def from_stored(cls, text: str) -> PayDestination:
        if "://" in text:
            return cls(url=text)
        payment, _, account = text.partition("|")
        return cls(unquote(payment), unquote(account))

    def target(self, page: str, account_id: str, contact_id: str) -> str:
        """The URL a click goes to; ``page`` the tenant's payment page template."""
        if self.url is not None:
            return self.url
        return payment_target(
            page,
            payment_reference=self.payment_reference,
            account_reference=self.account_reference,
            account_id=account_id,
            contact_id=contact_id,
        )


@dataclass(frozen=True, slots=True)
class PayRecord:
    debtor_id: str
    account_id: str | None
    channel: Channel
    target: str
