"""An event id names one content: a re-use with other content is a conflict.

De-duplication alone would silently drop the second of two different events
sharing an id. Each debtor keeps a short digest of the content first seen
under each id (8 characters; the last ``keep`` ids), in the same field of its
hash (``foundation.keys.DEBTOR_HASH``, ``event_field``) that marks the id processed
once its state is committed (``streams.store``).
The first content claims the id; the same content again is a duplicate
(handled downstream), other content is a conflict: 409 on HTTP,
dead-lettered on the topic path. A claim is made before processing, so a
crash that replays the batch meets its own digest and goes on.

Expiry: an id is remembered ``ttl_s`` after the minute stamped in its value,
on the injected clock (event time in a backtest); a mark stamped earlier reads
as absent here and in ``streams.store``, whether or not it was trimmed yet.
The debtor hash's TTL (only ever extended) is housekeeping.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections import defaultdict
from collections.abc import Sequence

import redis.asyncio as aioredis

from recaudo.contracts.events import Event
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.foundation.keys import EVENT_FIELD, Keys
from recaudo.foundation.redis_batch import batcher

# The trim both scripts share. An id is remembered for the de-duplication TTL
# after it was first written (the minute stamped in its value, on the
# injected clock: ``fresh``) and among the last ``keep``: older ones go. The debtor's
# hash lives as long as its longest-lived field, and a debtor with an event a
# day would otherwise keep up to twice ``keep`` ids for good (14 kB after 300
# days). The trim reads the whole hash, so it runs when the hash holds over
# twice ``keep`` fields or half a TTL after the last trim ("e~^": that
# minute). Needs the locals n
# (last sequence), keep, now_m (the minute), ttl_m (the TTL in minutes); @K@
# is the hash's key; its other fields (foundation.keys.DEBTOR_HASH) are left be.
TRIM_IDS = """
local trimmed = tonumber(redis.call('HGET', @K@, 'e~^') or '0')
if redis.call('HLEN', @K@) > 2 * keep + 1 or now_m - trimmed >= ttl_m / 2 then
  redis.call('HSET', @K@, 'e~^', now_m)
  local all = redis.call('HGETALL', @K@)
  for j = 1, #all, 2 do
    local f = all[j]
    if string.sub(f, 1, 2) == 'e~' and f ~= 'e~#' and f ~= 'e~^' then
      local seq, at = string.match(all[j + 1], ':(%d+):?(%d*)')
      seq, at = tonumber(seq), tonumber(at)
      if (seq and seq <= n - keep) or (at and at < now_m - ttl_m) then
        redis.call('HDEL', @K@, f)
      end
    end
  end
end
"""

# An event id's field in the debtor's hash: "e~" and the first FIELD_HEX hex
# digits of its SHA-1 (80 bits; a debtor keeps a few hundred ids at most).
# Fixed-size: a lender's id may be 128 characters, and one field over 64
# bytes (``hash-max-listpack-value``) would turn the whole hash into a hash
# table at about twice the bytes.
FIELD_HEX = 20

# Reads an id's mark: the debtor's hash, else the older release's ``ids`` hash
# (the full id -> the same value, sequence under "#"), whose mark is copied
# over. Returns the field and the mark, or false when there is none or it is
# older than the TTL (``fresh``, whatever the trim has left). Once no ``ids``
# key is left (one de-duplication TTL after the upgrade), the fallback can go.
# Both scripts define the locals now_m (the injected clock's minute) and ttl_m
# before they call it.
MARK_OF = """
local function fresh(v, now_m, ttl_m)
  local at = tonumber(string.match(v, '^[^:]*:%d+:(%d+)'))
  return not at or at >= now_m - ttl_m
end
local function mark_of(h, old, id, now_m, ttl_m)
  local f = 'e~' .. string.sub(redis.sha1hex(id), 1, @HEX@)
  local have = redis.call('HGET', h, f)
  if not have then
    have = redis.call('HGET', old, id)
    if have then redis.call('HSET', h, f, have) end
  end
  if have and not fresh(have, now_m, ttl_m) then have = false end
  return f, have
end
local function last_seq(h, old)
  return tonumber(redis.call('HGET', h, 'e~#') or redis.call('HGET', old, '#') or '0')
end
""".replace("@HEX@", str(FIELD_HEX))


def clock_minute(clock: Clock) -> int:
    """The minute the scripts stamp and age marks by (``now_m``)."""
    return int(clock.now().timestamp() // 60)


def ttl_minutes(ttl_s: int) -> int:
    """The TTL in whole minutes, rounded up as the scripts do (``ttl_m``)."""
    return -(-ttl_s // 60)


def mark_fresh(mark: bytes | str, now_m: int, ttl_m: int) -> bool:
    """As ``fresh`` in ``MARK_OF``: not stamped before the TTL (an unstamped
    mark, the older ``ids`` hash's, counts until its key expires)."""
    text = mark.decode() if isinstance(mark, bytes) else mark
    parts = text.rstrip("+").split(":")
    if len(parts) < 3 or not parts[2].isdigit():
        return True
    return int(parts[2]) >= now_m - ttl_m


def event_field(event_id: str) -> str:
    """The debtor hash's field holding ``event_id``'s claim and mark (as ``MARK_OF``)."""
    return (
        EVENT_FIELD + hashlib.sha1(event_id.encode(), usedforsecurity=False).hexdigest()[:FIELD_HEX]
    )


# KEYS[1]: the debtor's hash; its field for an id (``event_field``) holds digest..":"..seq, with
# the sequence under "e~#"; the state commit (streams.store) appends "+" once
# the event is processed (its de-duplication mark: one field for both) and
# writes ":"..seq.."+" for an event processed without a claim (an internal
# one). KEYS[2]: the older ``ids`` hash (MARK_OF). ARGV: ttl_s, keep, now_m
# (the injected clock's minute), then (id, digest) pairs. Returns the 0-based
# pair positions whose id already holds another digest. An id whose mark is
# past the TTL is claimed afresh (a new sequence and minute, not processed).
_CLAIM = (
    MARK_OF
    + """
local n = last_seq(KEYS[1], KEYS[2])
local keep = tonumber(ARGV[2])
local ttl = tonumber(ARGV[1])
local ttl_m = math.ceil(ttl / 60)
local now_m = tonumber(ARGV[3])
local out = {}
for i = 4, #ARGV, 2 do
  local f, have = mark_of(KEYS[1], KEYS[2], ARGV[i], now_m, ttl_m)
  if not have then
    n = n + 1
    redis.call('HSET', KEYS[1], f, ARGV[i + 1] .. ':' .. n .. ':' .. now_m)
  elseif string.sub(have, 1, 1) == ':' then
    redis.call('HSET', KEYS[1], f, ARGV[i + 1] .. have)
  elseif string.sub(have, 1, #ARGV[i + 1]) ~= ARGV[i + 1] then
    out[#out + 1] = (i - 4) / 2
  end
end
redis.call('HSET', KEYS[1], 'e~#', n)
"""
    + TRIM_IDS.replace("@K@", "KEYS[1]")
    + """
if redis.call('TTL', KEYS[1]) < ttl then redis.call('EXPIRE', KEYS[1], ttl) end
return out
"""
)


def digest(event: Event) -> str:
    """8 characters of the canonical (validated) content's hash."""
    raw = hashlib.blake2b(event.model_dump_json().encode(), digest_size=6).digest()
    return base64.urlsafe_b64encode(raw).decode()


class EventDigests:
    def __init__(
        self,
        client: aioredis.Redis,
        keys: Keys,
        ttl_s: int,
        keep: int = 256,
        clock: Clock = WALL_CLOCK,
    ) -> None:
        self._redis = client
        self._keys = keys
        self._ttl = ttl_s
        self._keep = keep
        # What stamps and ages the claims: the decision clock (the store's too).
        self._clock = clock
        self._script = client.register_script(_CLAIM)

    def keys(self, tenant_id: str, debtor_id: str) -> list[str]:
        """The debtor's hash, then the older release's ``ids`` hash."""
        return [
            self._keys.debtor_hash(tenant_id, debtor_id),
            self._keys.debtor(tenant_id, debtor_id, "ids"),
        ]

    async def conflicts(self, events: Sequence[Event]) -> set[int]:
        """Claim each event's id for its content; the indexes whose id holds other content."""
        by_debtor: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, event in enumerate(events):
            by_debtor[(event.tenant_id, event.debtor_id)].append(i)
        if not by_debtor:
            return set()
        batch = batcher(self._redis)
        calls = []
        now_m = clock_minute(self._clock)
        for (tenant, debtor), indexes in by_debtor.items():
            args: list[str | int | bytes | float] = [self._ttl, self._keep, now_m]
            for i in indexes:
                args += [events[i].event_id, digest(events[i])]
            calls.append(batch.script(self._script, self.keys(tenant, debtor), args))
        # Joins the pipeline of whatever else the batch reads in the same turn.
        replies = await asyncio.gather(*calls)
        out: set[int] = set()
        for indexes, reply in zip(by_debtor.values(), replies, strict=True):
            out.update(indexes[int(pos)] for pos in reply)
        return out
