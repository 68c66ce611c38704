"""Delayed labels for the propensity model, kept in Redis so they survive restarts.

Every contact opens an attribution: a member of a per-debtor sorted set scored
by its expiry, with the features it was decided on beside it in a hash. A
payment inside the window labels the open contacts success; the window expiring
labels them failure. Each label is taken by one Lua script that removes the
entry in the same step, so a contact is labelled exactly once even when two
workers race (the payment and the expiry sweep, or a replayed event).

Expiry is found through time buckets: ``attr:due:<bucket>`` sets of debtor ids
plus an ``attr:buckets`` sorted set of bucket numbers. A bucket is swept only
``grace_s`` after it closes, so a contact opened on a worker whose clock is a
little behind still lands in a bucket nobody has swept yet. All of one
debtor's keys share its hash tag, so the scripts are Redis Cluster safe.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import orjson
import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.models.features import ContactFeatures

# KEYS: zset, hash. ARGV: contact_id, expiry, payload. Returns 1 if new, 0 if already open.
# ARGV[4]: seconds both keys outlive the latest open (two windows, on the
# server's clock, so a backtest's event time cannot expire them early): a
# debtor whose sweep never comes (a tenant removed, say) leaves nothing behind.
_OPEN = """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
"""

# KEYS: zset, hash. ARGV: paid_at. Pops open contacts made at or before paid_at
# whose window has not expired; returns {contact_id, payload, ...}.
_PAY = """
local out = {}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
for _, id in ipairs(ids) do
  local payload = redis.call('HGET', KEYS[2], id)
  local made = 0
  if payload then
    local stored = cjson.decode(payload)
    made = stored[1] or stored['t'] or 0
  end
  if made <= tonumber(ARGV[1]) then
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
    out[#out + 1] = id
    out[#out + 1] = payload or ''
  end
end
return out
"""

# KEYS: zset, hash. ARGV: now. Pops every contact whose window ended at or before now.
_EXPIRE = """
local out = {}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for _, id in ipairs(ids) do
  local payload = redis.call('HGET', KEYS[2], id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  out[#out + 1] = id
  out[#out + 1] = payload or ''
end
return out
"""


@dataclass(frozen=True, slots=True)
class Labelled:
    """One contact's outcome: ``label`` True when a payment fell inside its window."""

    tenant_id: str
    debtor_id: str
    contact_id: str
    features: ContactFeatures | None
    contacted_at: dt.datetime
    label: bool


class AttributionBook:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        window: dt.timedelta = dt.timedelta(days=7),
        bucket_s: int = 60,
        grace_s: int = 60,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self.window = window
        self._bucket_s = bucket_s
        self._grace_s = grace_s
        self._open = redis.register_script(_OPEN)
        self._pay = redis.register_script(_PAY)
        self._expire = redis.register_script(_EXPIRE)

    def _debtor_keys(self, tenant_id: str, debtor_id: str) -> list[str]:
        return [
            self._keys.debtor(tenant_id, debtor_id, "attr"),
            self._keys.debtor(tenant_id, debtor_id, "attr:f"),
        ]

    def _bucket_key(self, tenant_id: str, bucket: int) -> str:
        return self._keys.tenant(tenant_id, f"attr:due:{bucket}")

    def _buckets_key(self, tenant_id: str) -> str:
        return self._keys.tenant(tenant_id, "attr:buckets")

    async def open(
        self,
        tenant_id: str,
        debtor_id: str,
        contact_id: str,
        features: ContactFeatures,
        at: dt.datetime,
    ) -> bool:
        """Start a contact's window; False when it was already open (a replay)."""
        expiry = (at + self.window).timestamp()
        bucket = int(expiry // self._bucket_s)
        # Index first: an index entry without a pending contact is harmless,
        # a pending contact the sweep cannot find would never be labelled.
        # Concurrent opens (a batch's contacts) share these two pipelines.
        batch = batcher(self._redis)
        await asyncio.gather(
            batch.call("SADD", self._bucket_key(tenant_id, bucket), debtor_id),
            batch.call("ZADD", self._buckets_key(tenant_id), "NX", bucket, str(bucket)),
        )
        # [made at, *features]: a third of the named form (older stored entries
        # are {"t": ..., "f": {...}}, still read).
        payload = orjson.dumps([at.timestamp(), *features.to_row()])
        added = await batch.script(
            self._open,
            self._debtor_keys(tenant_id, debtor_id),
            [contact_id, expiry, payload, 2 * int(self.window.total_seconds())],
        )
        return bool(added)

    async def pending(self, tenant_id: str, debtor_id: str) -> int:
        return int(await self._redis.zcard(self._debtor_keys(tenant_id, debtor_id)[0]))

    async def on_payment(
        self, tenant_id: str, debtor_id: str, paid_at: dt.datetime
    ) -> list[Labelled]:
        """Label success every open contact made before ``paid_at`` whose window holds it."""
        keys = self._debtor_keys(tenant_id, debtor_id)
        raw = await batcher(self._redis).script(self._pay, keys, [paid_at.timestamp()])
        return _labelled(tenant_id, debtor_id, raw, label=True)

    async def expire_debtor(
        self, tenant_id: str, debtor_id: str, now: dt.datetime
    ) -> list[Labelled]:
        """Label failure this debtor's contacts whose window ended by ``now``."""
        raw = await self._expire(
            keys=self._debtor_keys(tenant_id, debtor_id), args=[now.timestamp()]
        )
        return _labelled(tenant_id, debtor_id, raw, label=False)

    async def expire(
        self, tenant_id: str, now: dt.datetime, max_debtors: int = 1000
    ) -> list[Labelled]:
        """Sweep closed buckets; call periodically. Returns the failures labelled now."""
        last_closed = int((now.timestamp() - self._grace_s) // self._bucket_s) - 1
        buckets = await self._redis.zrangebyscore(self._buckets_key(tenant_id), "-inf", last_closed)
        out: list[Labelled] = []
        visited = 0
        for raw_bucket in buckets:
            bucket = int(_text(raw_bucket))
            key = self._bucket_key(tenant_id, bucket)
            debtors = await self._redis.srandmember(key, max_debtors - visited) or []
            for raw_debtor in debtors:
                debtor = _text(raw_debtor)
                out.extend(await self.expire_debtor(tenant_id, debtor, now))
                # Removed from the index only after its script ran: a crash in
                # between means the debtor is visited again, which finds nothing.
                await self._redis.srem(key, debtor)
                visited += 1
            if not await self._redis.exists(key):
                await self._redis.zrem(self._buckets_key(tenant_id), str(bucket))
            if visited >= max_debtors:
                break
        return out


def _labelled(tenant_id: str, debtor_id: str, raw: list[bytes], label: bool) -> list[Labelled]:
    out: list[Labelled] = []
    for i in range(0, len(raw), 2):
        contact_id = raw[i].decode()
        payload = orjson.loads(raw[i + 1]) if raw[i + 1] else {}
        features: ContactFeatures | None = None
        if isinstance(payload, list):
            made, features = payload[0], ContactFeatures.from_row(payload[1:])
        else:
            made, named = payload.get("t", 0.0), payload.get("f")
            features = ContactFeatures.from_dict(named) if named else None
        out.append(
            Labelled(
                tenant_id=tenant_id,
                debtor_id=debtor_id,
                contact_id=contact_id,
                features=features,
                contacted_at=dt.datetime.fromtimestamp(float(made), dt.UTC),
                label=label,
            )
        )
    return out


def _text(raw: object) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)
