"""Redis persistence of debtor state, processed event ids and the recent decisions.

``load`` reads every debtor of a batch in one pipelined round trip; ``commit``
writes each debtor's new state together with the ids of the events that made
it in one Lua script, so state and de-duplication can never disagree after a
crash. All keys of one debtor share its hash tag (Redis Cluster safe).

Expiry: ``state`` never expires. An event id's processed mark counts
``dedupe_ttl_s`` after the minute stamped in it, on the store's clock (the
decision clock: event time in a backtest), trimmed or not
(``streams.event_ids``); the debtor hash's TTL is housekeeping. ``timeline``
(13 TTLs) is the operators' recent view: nothing decides on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from recaudo.contracts.state import state_key
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.streams.event_ids import (
    MARK_OF,
    TRIM_IDS,
    clock_minute,
    event_field,
    mark_fresh,
    ttl_minutes,
)
from recaudo.streams.state import DebtorState
from recaudo.streams.timeline import HEADER, RECENT

DebtorRef = tuple[str, str]

# KEYS: state, the debtor's hash (event-id marks: streams.event_ids.event_field),
# recent decisions, the older release's ids hash (MARK_OF). ARGV: state, now_m
# (the store clock's minute), ttl_s, keep, n_ids, ids..., entries...
_COMMIT = (
    MARK_OF
    + """
redis.call('SET', KEYS[1], ARGV[1])
local now_m = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local ttl_m = math.ceil(ttl / 60)
local keep = tonumber(ARGV[4])
local n_ids = tonumber(ARGV[5])
if n_ids > 0 then
  local n = last_seq(KEYS[2], KEYS[4])
  for i = 1, n_ids do
    local f, have = mark_of(KEYS[2], KEYS[4], ARGV[5 + i], now_m, ttl_m)
    if not have then
      n = n + 1
      redis.call('HSET', KEYS[2], f, ':' .. n .. ':' .. now_m .. '+')
    elseif string.sub(have, -1) ~= '+' then
      redis.call('HSET', KEYS[2], f, have .. '+')
    end
  end
  redis.call('HSET', KEYS[2], 'e~#', n)
"""
    + TRIM_IDS.replace("@K@", "KEYS[2]")
    + """
  if redis.call('TTL', KEYS[2]) < ttl then redis.call('EXPIRE', KEYS[2], ttl) end
end
local first = 6 + n_ids
if #ARGV >= first then
  -- One string, newest first, entries one a line: a list key's own overhead
  -- (~180 bytes) is more than an entry. A list left by the older layout goes.
  -- Lines starting "@" (byte 64) are policy-version headers (streams.timeline),
  -- not entries: only entries count toward @RECENT@.
  local t = redis.call('TYPE', KEYS[3])['ok']
  if t ~= 'string' and t ~= 'none' then redis.call('DEL', KEYS[3]) end
  local parts, kept, hdr = {}, 0, nil
  for i = #ARGV, first, -1 do
    parts[#parts + 1] = ARGV[i]
    if string.byte(ARGV[i], 1) == 64 then hdr = ARGV[i] else kept = kept + 1 end
  end
  local old = redis.call('GET', KEYS[3])
  -- The stored newest entries' header repeats the new oldest ones': said once.
  if old and hdr and string.sub(old, 1, #hdr + 1) == hdr .. '\\n' then
    old = string.sub(old, #hdr + 2)
  end
  if old and kept < @RECENT@ then
    local from = 1
    while kept < @RECENT@ do
      local nl = string.find(old, '\\n', from, true)
      local line = nl and string.sub(old, from, nl - 1) or string.sub(old, from)
      parts[#parts + 1] = line
      if string.byte(line, 1) ~= 64 then kept = kept + 1 end
      if not nl then break end
      from = nl + 1
    end
  end
  -- Past @RECENT@ entries, and a header left with no entry under it, go.
  while #parts > 1 and (kept > @RECENT@ or string.byte(parts[#parts], 1) == 64) do
    if string.byte(parts[#parts], 1) ~= 64 then kept = kept - 1 end
    table.remove(parts)
  end
  redis.call('SET', KEYS[3], table.concat(parts, '\\n'), 'EX', ttl * 13)
end
return 1
""".replace("@RECENT@", str(RECENT))
)


@dataclass
class Loaded:
    state: DebtorState
    seen: set[str] = field(default_factory=set)


@dataclass
class Change:
    ref: DebtorRef
    state: DebtorState
    event_ids: list[str]
    timeline: list[bytes]


class StateStore:
    """Debtor state in Redis; ``keep_ids`` bounds the de-duplication memory per debtor
    and ``clock`` (the decision clock) stamps and ages its marks."""

    def __init__(
        self,
        client: aioredis.Redis,
        keys: Keys,
        dedupe_ttl_s: int,
        keep_ids: int = 256,
        clock: Clock = WALL_CLOCK,
    ) -> None:
        self._redis = client
        self._keys = keys
        self._ttl = dedupe_ttl_s
        self._keep = keep_ids
        self._clock = clock
        self._commit = client.register_script(_COMMIT)

    def state_key(self, ref: DebtorRef) -> str:
        return state_key(self._keys, ref[0], ref[1])

    def hash_key(self, ref: DebtorRef) -> str:
        """The debtor's hash: processed marks and event-id digests share its ``e~``
        fields (``streams.event_ids``)."""
        return self._keys.debtor_hash(ref[0], ref[1])

    def legacy_ids_key(self, ref: DebtorRef) -> str:
        """The older release's hash of event ids (read until it expires)."""
        return self._keys.debtor(ref[0], ref[1], "ids")

    def timeline_key(self, ref: DebtorRef) -> str:
        return self._keys.debtor(ref[0], ref[1], "timeline")

    async def load(
        self, wanted: Iterable[tuple[DebtorRef, Sequence[str]]]
    ) -> dict[DebtorRef, Loaded]:
        """State and the already-processed subset of ``event_ids`` for each debtor:
        those marked processed less than the de-duplication TTL ago, on the clock.

        Every debtor's reads join the batch's pipeline (``redis_batch``).
        """
        wanted = list(wanted)
        batch = batcher(self._redis)
        calls = []
        for ref, event_ids in wanted:
            calls.append(batch.call("GET", self.state_key(ref)))
            if event_ids:
                fields = [event_field(eid) for eid in event_ids]
                calls.append(batch.call("HMGET", self.hash_key(ref), *fields))
                calls.append(batch.call("HMGET", self.legacy_ids_key(ref), *event_ids))
        replies = iter(await asyncio.gather(*calls))
        now_m, ttl_m = clock_minute(self._clock), ttl_minutes(self._ttl)
        out: dict[DebtorRef, Loaded] = {}
        for ref, event_ids in wanted:
            raw = next(replies)
            seen: set[str] = set()
            if event_ids:
                marks, legacy = next(replies), next(replies)
                # A claim without "+" is this batch's own (or a crashed one's): not processed.
                seen = {
                    eid
                    for eid, mark, old in zip(event_ids, marks, legacy, strict=True)
                    if (_processed(mark) and mark_fresh(mark, now_m, ttl_m))
                    or (mark is None and _processed(old))
                }
            out[ref] = Loaded(DebtorState.decode(raw), seen)
        return out

    async def commit(self, changes: Sequence[Change], now: float) -> None:
        """One script per debtor, all of the batch's in one pipeline.

        ``now`` is the caller's instant on the decision clock; the marks are
        stamped from the store's own clock, the one ``load`` ages them by, so a
        store built without the decision clock still agrees with itself.
        """
        batch = batcher(self._redis)
        calls = []
        now_m = clock_minute(self._clock)
        for change in changes:
            ref = change.ref
            args: list[bytes | str | float | int] = [
                change.state.encode(),
                now_m,
                self._ttl,
                self._keep,
                len(change.event_ids),
                *change.event_ids,
                *change.timeline,
            ]
            keys = [
                self.state_key(ref),
                self.hash_key(ref),
                self.timeline_key(ref),
                self.legacy_ids_key(ref),
            ]
            calls.append(batch.script(self._commit, keys, args))
        await asyncio.gather(*calls)

    async def timeline(self, ref: DebtorRef, limit: int = RECENT) -> list[bytes]:
        """The recent view's lines, newest first: ``limit`` entries (at most ``RECENT``)
        with their policy-version headers (``streams.timeline.timeline_records``)."""
        key, count = self.timeline_key(ref), min(limit, RECENT)
        try:
            raw = await self._redis.get(key)
        except ResponseError:  # a list left by the older layout, until its next commit
            items = await self._redis.lrange(key, 0, count - 1)
            return [item if isinstance(item, bytes) else item.encode() for item in items]
        if not raw:
            return []
        text = raw if isinstance(raw, bytes) else raw.encode()
        lines, entries = [], 0
        for line in text.split(b"\n"):
            if entries == count:
                break
            lines.append(line)
            entries += not line.startswith(HEADER)
        return lines


def _processed(mark: bytes | str | None) -> bool:
    return isinstance(mark, bytes | str) and mark[-1:] in (b"+", "+")
