"""Signed, expiring, per-contact payment links.

The token is ``[tenant, contact_id, expiry]`` signed with itsdangerous
(HMAC-SHA1 over a salted key derived from the secret): no name, amount, account or
address, so a forwarded or logged link leaks nothing. It is a pure function of
the contact and the decision time, so a replayed decision renders the same
link. What a click needs (debtor, channel, the tenant's payment page) is kept
in Redis by the dispatcher until the link expires.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote

import orjson
import redis.asyncio as aioredis
from itsdangerous import BadSignature, URLSafeSerializer

from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.streams.events import Channel

SALT = "recaudo.pay.v1"


@dataclass(frozen=True, slots=True)
class PayToken:
    tenant_id: str
    contact_id: str
    expires_at: dt.datetime

    def expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_at


class PayLinks:
    """Makes and checks ``{base}/pay/{token}`` links."""

    def __init__(self, secret: str, base_url: str, ttl: dt.timedelta) -> None:
        if not secret:
            raise ValueError("a payment-link secret is required")
        self._serializer = URLSafeSerializer(secret, salt=SALT)
        self._base = base_url.rstrip("/")
        self.ttl = ttl

    def token(self, tenant_id: str, contact_id: str, now: dt.datetime) -> tuple[str, dt.datetime]:
        expires = (now + self.ttl).replace(microsecond=0)
        return str(
            self._serializer.dumps([tenant_id, contact_id, int(expires.timestamp())])
        ), expires

    def url(self, token: str) -> str:
        return f"{self._base}/pay/{token}"

    def verify(self, token: str) -> PayToken | None:
        """The token's contents, or None when it was not signed by us (tampered)."""
        try:
            data = self._serializer.loads(token)
        except BadSignature:
            return None
        if not (isinstance(data, list) and len(data) == 3 and isinstance(data[2], int)):
            return None
        return PayToken(str(data[0]), str(data[1]), dt.datetime.fromtimestamp(data[2], dt.UTC))


def payment_target(template: str, **fields: str | None) -> str:
    """The tenant's payment page URL, each field URL-quoted (missing ones empty)."""
    return template.format_map({k: quote(v or "", safe="") for k, v in fields.items()})


@dataclass(frozen=True, slots=True)
class PayRecord:
    debtor_id: str
    account_id: str
    channel: Channel
    target: str


class PayBook:
    """Where a click on a contact's link goes, and whose it is; kept until expiry."""

    def __init__(self, client: aioredis.Redis, keys: Keys) -> None:
        self._redis = client
        self._keys = keys

    def _key(self, tenant_id: str, contact_id: str) -> str:
        return self._keys.tenant(tenant_id, f"pay:{contact_id}")

    async def remember(
        self, tenant_id: str, contact_id: str, record: PayRecord, expires_at: dt.datetime
    ) -> None:
        value = orjson.dumps(
            [record.debtor_id, record.account_id, record.channel.value, record.target]
        )
        key = self._key(tenant_id, contact_id)
        await batcher(self._redis).call("SET", key, value, "EXAT", int(expires_at.timestamp()))

    async def find(self, tenant_id: str, contact_id: str) -> PayRecord | None:
        raw = await self._redis.get(self._key(tenant_id, contact_id))
        if raw is None:
            return None
        debtor, account, channel, target = orjson.loads(raw)
        return PayRecord(debtor, account, Channel(channel), target)
