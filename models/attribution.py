"""Delayed labels for the propensity model, kept in Redis so they survive restarts.

Every contact opens an attribution: a field of the debtor's hash
(``foundation.keys.DEBTOR_HASH``), ``a~<contact id>`` -> ``<made at>|<window
s>|<features>`` (``ContactFeatures.to_line``; the previous release wrote the
JSON list ``[made at, window s, *features]``, still read), cut into 64-byte
pieces when longer (``foundation.hash_pieces``) so the hash stays a listpack. A
payment inside the window labels the open contacts success; the window
expiring labels them failure. Each label is taken by one Lua script that
removes the entry in the same step, so a contact is labelled exactly once even
when two workers race (the payment and the expiry sweep, or a replayed event).
The scripts decode the debtor's few entries to find the due ones.

Expiry is found through time buckets: ``attr:dues:<bucket>`` strings of debtor
ids, one a line (``APPEND``: ~9 bytes a contact, where a set member cost ~70),
plus an ``attr:buckets`` sorted set of bucket numbers. A bucket is swept only
``grace_s`` after it closes, so a contact opened on a worker whose clock is a
little behind still lands in a bucket nobody has swept yet; the sweep reads a
bucket a chunk at a time and cuts the chunk off only if the string still starts
with it (a second sweeper cut it first: nothing is cut twice). A debtor listed
twice is visited twice, which finds nothing the second time. All of one
debtor's keys share its hash tag, so the scripts are Redis Cluster safe. The
previous release's ``attr:due:<bucket>`` sets are still swept until their
buckets close (a window and the grace).

Older releases kept the entries in a hash of their own, ``aw`` (contact id ->
the same payload), and before that in two keys: ``attr`` (a sorted set
contact -> window end) and ``attr:f`` (contact -> ``[made at, *features]`` or
``{"t": ..., "f": {...}}``). The scripts still take entries from them, and an
open refuses a contact already there, until those keys expire on their own
(two windows after their last open); then the compatibility parts can go.

Expiry: each entry's stamps (made at, window) decide, against the payment's
instant or the sweep's clock; the debtor hash's TTL (two windows past the
latest open, on Redis's clock, only extended) is housekeeping. The bucket
keys have none.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import orjson
import redis.asyncio as aioredis

from recaudo.foundation.hash_pieces import JOIN_LUA, pieces
from recaudo.foundation.keys import ATTRIBUTION_FIELD, Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.models.features import ROW, ContactFeatures

# KEYS: the debtor's hash, then the older layouts' keys: ``aw`` (contact id ->
# the same payload), ``attr`` (zset) and ``attr:f``. ARGV: contact_id, ttl_s,
# then the payload's field/value pairs (``foundation.hash_pieces``: a large
# balance or a long segment name must not push the hash out of its listpack).
# Returns 1 if new, 0 if already open (a replay). The hash lives at least
# ttl_s past its latest open (two windows, on the server's clock, so a
# backtest's event time cannot expire it early): a debtor whose sweep never
# comes (a tenant removed) leaves nothing.
_OPEN = """
if redis.call('HEXISTS', KEYS[1], 'a~' .. ARGV[1]) == 1 then return 0 end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
local ttl = tonumber(ARGV[2])
if redis.call('TTL', KEYS[1]) < ttl then redis.call('EXPIRE', KEYS[1], ttl) end
return 1
"""

# Pops the open windows for which due(made, ends) holds, from the debtor's
# hash ("a~<contact>" and its pieces: the hash's other fields are other
# stages') and from the ``aw`` hash of the older layout; returns {contact_id,
# payload, ...}.
_TAKE = (
    JOIN_LUA
    + """
local out = {}
local function take(key, tag)
  local all = redis.call('HGETALL', key)
  local values = {}
  for j = 1, #all, 2 do values[all[j]] = all[j + 1] end
  for j = 1, #all, 2 do
    local f = all[j]
    local mine = tag == '' or (string.sub(f, 1, 2) == tag and not string.find(f, '~', 3, true))
    if mine then
      local payload, used = joined(values, f)
      -- made|window|features; a JSON list [made, window, ...] before.
      local made, span = string.match(payload, '^([%d.]+)|([%d.]+)|')
      if made then
        made, span = tonumber(made), tonumber(span)
      else
        local row = cjson.decode(payload)
        made, span = row[1], row[2]
      end
      if due(made, made + span) then
        redis.call('HDEL', key, unpack(used))
        out[#out + 1] = string.sub(f, #tag + 1)
        out[#out + 1] = payload
      end
    end
  end
end
take(KEYS[1], 'a~')
take(KEYS[2], '')
"""
)

# ARGV: paid_at. Pops open contacts made at or before paid_at whose window has
# not ended before it.
_PAY = (
    """
local paid = tonumber(ARGV[1])
local function due(made, ends) return made <= paid and ends >= paid end
"""
    + _TAKE
    + """
-- The oldest layout (attr, attr:f), until its keys expire.
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], ARGV[1], '+inf')) do
  local payload = redis.call('HGET', KEYS[4], id)
  local made = 0
  if payload then
    local stored = cjson.decode(payload)
    made = stored[1] or stored['t'] or 0
  end
  if made <= paid then
    redis.call('ZREM', KEYS[3], id)
    redis.call('HDEL', KEYS[4], id)
    out[#out + 1] = id
    out[#out + 1] = payload or ''
  end
end
return out
"""
)

# KEYS: a bucket's string. ARGV: the chunk of it swept. Cuts that chunk off the
# front if it is still there (another sweeper may have cut it: nothing twice);
# the emptied bucket goes.
_CUT = """
local n = #ARGV[1]
if redis.call('GETRANGE', KEYS[1], 0, n - 1) ~= ARGV[1] then return 0 end
if redis.call('STRLEN', KEYS[1]) == n then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], redis.call('GETRANGE', KEYS[1], n, -1))
end
return 1
"""

#: Bytes of a bucket read per chunk of the sweep: ids are at most 128 characters.
_CHUNK_BYTES = 64 * 1024

# ARGV: now. Pops every contact whose window ended by now.
_EXPIRE = (
    """
local now = tonumber(ARGV[1])
local function due(made, ends) return ends <= now end
"""
    + _TAKE
    + """
-- The oldest layout (attr, attr:f), until its keys expire.
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])) do
  local payload = redis.call('HGET', KEYS[4], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('HDEL', KEYS[4], id)
  out[#out + 1] = id
  out[#out + 1] = payload or ''
end
return out
"""
)


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
        self._cut = redis.register_script(_CUT)

    def _debtor_keys(self, tenant_id: str, debtor_id: str) -> list[str]:
        """The debtor's hash, then the older layouts' ``aw``, ``attr`` and ``attr:f``."""
        return [
            self._keys.debtor_hash(tenant_id, debtor_id),
            self._keys.debtor(tenant_id, debtor_id, "aw"),
            self._keys.debtor(tenant_id, debtor_id, "attr"),
            self._keys.debtor(tenant_id, debtor_id, "attr:f"),
        ]

    def _bucket_key(self, tenant_id: str, bucket: int) -> str:
        return self._keys.tenant(tenant_id, f"attr:dues:{bucket}")

    def _legacy_bucket_key(self, tenant_id: str, bucket: int) -> str:
        """The previous release's set of debtor ids (swept, never written)."""
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
        # Milliseconds are plenty for "made before the payment" and keep the
        # entry under 64 bytes; the window end is computed from the stored
        # values, here and in the scripts alike, so the bucket agrees with it.
        made, window_s = round(at.timestamp(), 3), self.window.total_seconds()
        if window_s.is_integer():
            window_s = int(window_s)
        expiry = made + window_s
        bucket = int(expiry // self._bucket_s)
        # Index first: an index entry without a pending contact is harmless,
        # a pending contact the sweep cannot find would never be labelled.
        # Concurrent opens (a batch's contacts) share these two pipelines.
        batch = batcher(self._redis)
        await asyncio.gather(
            batch.call("APPEND", self._bucket_key(tenant_id, bucket), debtor_id + "\n"),
            batch.call("ZADD", self._buckets_key(tenant_id), "NX", bucket, str(bucket)),
        )
        payload = f"{made!r}|{window_s!r}|{features.to_line()}"
        added = await batch.script(
            self._open,
            self._debtor_keys(tenant_id, debtor_id)[:3],
            [
                contact_id,
                2 * int(self.window.total_seconds()),
                *pieces(ATTRIBUTION_FIELD + contact_id, payload),
            ],
        )
        return bool(added)

    async def pending(self, tenant_id: str, debtor_id: str) -> int:
        """Open contacts of this debtor (any layout)."""
        debtor, aw, attr, _ = self._debtor_keys(tenant_id, debtor_id)
        fields = await self._redis.hkeys(debtor)
        mine = sum(
            1
            for f in map(_text, fields)
            if f.startswith(ATTRIBUTION_FIELD) and "~" not in f[len(ATTRIBUTION_FIELD) :]
        )
        return mine + int(await self._redis.hlen(aw)) + int(await self._redis.zcard(attr))

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
            legacy = self._legacy_bucket_key(tenant_id, bucket)
            while visited < max_debtors:
                raw = await self._redis.getrange(key, 0, _CHUNK_BYTES - 1)
                chunk = raw.encode() if isinstance(raw, str) else raw
                # Whole lines only: the chunk may end inside an id.
                lines = chunk[: chunk.rfind(b"\n") + 1].split(b"\n")[:-1]
                swept = lines[: max_debtors - visited]
                if not swept:
                    break
                for debtor in filter(None, swept):
                    out.extend(await self.expire_debtor(tenant_id, debtor.decode(), now))
                    visited += 1
                # Cut only after their scripts ran: a crash in between means the
                # debtors are visited again, which finds nothing.
                await self._cut(keys=[key], args=[b"".join(d + b"\n" for d in swept)])
            while visited < max_debtors:
                debtors = await self._redis.srandmember(legacy, max_debtors - visited) or []
                if not debtors:
                    break
                for raw_debtor in debtors:
                    out.extend(await self.expire_debtor(tenant_id, _text(raw_debtor), now))
                    await self._redis.srem(legacy, raw_debtor)
                    visited += 1
            if not await self._redis.exists(key, legacy):
                await self._redis.zrem(self._buckets_key(tenant_id), str(bucket))
            if visited >= max_debtors:
                break
        return out


def _labelled(tenant_id: str, debtor_id: str, raw: list[bytes], label: bool) -> list[Labelled]:
    out: list[Labelled] = []
    for i in range(0, len(raw), 2):
        made, features = _window(raw[i + 1])
        out.append(
            Labelled(
                tenant_id=tenant_id,
                debtor_id=debtor_id,
                contact_id=raw[i].decode(),
                features=features,
                contacted_at=dt.datetime.fromtimestamp(made, dt.UTC),
                label=label,
            )
        )
    return out


def _window(stored: bytes) -> tuple[float, ContactFeatures | None]:
    """When an open window's contact was made, and what was known then, from any layout."""
    if stored[:1].isdigit():  # made|window|features (``open``)
        made, _, rest = stored.decode().partition("|")
        return float(made), ContactFeatures.from_line(rest.partition("|")[2])
    payload = orjson.loads(stored) if stored else {}
    if isinstance(payload, list):
        # [made, window s, *features]; [made, *features] in the older layout.
        made, row = payload[0], payload[1:]
        return float(made), ContactFeatures.from_row(row[1:] if len(row) > len(ROW) else row)
    named = payload.get("f")
    return float(payload.get("t", 0.0)), ContactFeatures.from_dict(named) if named else None


def _text(raw: object) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)
