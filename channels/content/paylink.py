"""Signed, expiring, per-contact payment links.

The token names the tenant, contact, debtor and expiry, and nothing else: no
name, amount, account or address, so a forwarded or logged link leaks
nothing. It is a pure function of the contact and the decision time, so a
replayed decision renders the same link. What a click needs (the account,
channel and the tenant's payment page) is kept by the dispatcher in the
debtor's ``contacts`` hash until the link expires (channels.contact_rows);
the debtor in the token is how the click finds that hash.

The link goes into SMS, so the token is compact binary, base64url:
a format byte, the expiry (4 bytes), the contact id (12 bytes when it is our
24-hex form), ``tenant/debtor``, and a MAC: HMAC-SHA256 under a key derived
from the secret and ``SALT``, truncated to 16 bytes (128 bits, RFC 2104's
"not less than half the hash output"; a guess costs an HTTP request).
~58 characters for a short tenant and debtor, against 90 for the earlier
``[tenant, contact, expiry]`` itsdangerous JSON token, which still verifies
(it has a "." and no debtor: its record is the earlier ``pay:`` key).
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
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeSerializer

from recaudo.streams.events import Channel

SALT = "recaudo.pay.v1"
SALT_V2 = b"recaudo.pay.v2"
MAC_BYTES = 16
_HEX_CONTACT, _TEXT_CONTACT = 1, 2
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
        self._base = base_url.rstrip("/")
        self.ttl = ttl

    def token(
        self, tenant_id: str, contact_id: str, debtor_id: str, now: dt.datetime
    ) -> tuple[str, dt.datetime]:
        expires = (now + self.ttl).replace(microsecond=0)
        if _HEX24.fullmatch(contact_id):
            head = struct.pack(">BI", _HEX_CONTACT, int(expires.timestamp()))
            contact = bytes.fromhex(contact_id)
        else:
            raw = contact_id.encode()
            head = struct.pack(">BIB", _TEXT_CONTACT, int(expires.timestamp()), len(raw))
            contact = raw
        payload = head + contact + f"{tenant_id}/{debtor_id}".encode()
        return _b64(payload + self._mac(payload)), expires

    def url(self, token: str) -> str:
        return f"{self._base}/pay/{token}"

    def verify(self, token: str) -> PayToken | None:
        """The token's contents, or None when it was not signed by us (tampered)."""
        if "." in token:
            return self._verify_v1(token)
        try:
            data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            return None
        payload, mac = data[:-MAC_BYTES], data[-MAC_BYTES:]
        if len(payload) < 6 or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        kind, expiry = struct.unpack_from(">BI", payload)
        rest = payload[5:]
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
        expires = dt.datetime.fromtimestamp(expiry, dt.UTC)
        return PayToken(tenant, contact, expires, debtor)

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


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def payment_target(template: str, **fields: str | None) -> str:
    """The tenant's payment page URL, each field URL-quoted (missing ones empty)."""
    return template.format_map({k: quote(v or "", safe="") for k, v in fields.items()})


@dataclass(frozen=True, slots=True)
class PayRecord:
    debtor_id: str
    account_id: str | None
    channel: Channel
    target: str
