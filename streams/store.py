"""Redis persistence of debtor state, processed event ids and the recent decisions.

``load`` reads every debtor of a batch in one pipelined round trip; ``commit``
writes each debtor's new state together with the ids of the events that made
it in one Lua script, so state and de-duplication can never disagree after a
crash. All keys of one debtor share its hash tag (Redis Cluster safe).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.streams.event_ids import TRIM_IDS
from recaudo.streams.state import DebtorState
from recaudo.streams.timeline import HEADER, RECENT

DebtorRef = tuple[str, str]

# KEYS: state, ids (streams.event_ids: id -> digest:seq, "+" once processed),
# recent decisions. ARGV: state, now, ttl_s, keep, n_ids, ids..., entries...
_COMMIT = (
    """
redis.call('SET', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[3])
local keep = tonumber(ARGV[4])
local n_ids = tonumber(ARGV[5])
if n_ids > 0 then
  local n = tonumber(redis.call('HGET', KEYS[2], '#') or '0')
  for i = 1, n_ids do
    local have = redis.call('HGET', KEYS[2], ARGV[5 + i])
    if not have then
      n = n + 1
      redis.call('HSET', KEYS[2], ARGV[5 + i], ':' .. n .. '+')
    elseif string.sub(have, -1) ~= '+' then
      redis.call('HSET', KEYS[2], ARGV[5 + i], have .. '+')
    end
  end
  redis.call('HSET', KEYS[2], '#', n)
"""
    + TRIM_IDS.replace("@K@", "KEYS[2]")
    + """
  redis.call('EXPIRE', KEYS[2], ttl)
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
    """Debtor state in Redis; ``keep_ids`` bounds the de-duplication memory per debtor."""

    def __init__(
        self, client: aioredis.Redis, keys: Keys, dedupe_ttl_s: int, keep_ids: int = 256
    ) -> None:
        self._redis = client
        self._keys = keys
        self._ttl = dedupe_ttl_s
        self._keep = keep_ids
        self._commit = client.register_script(_COMMIT)

    def state_key(self, ref: DebtorRef) -> str:
        return self._keys.debtor(ref[0], ref[1], "state")

    def ids_key(self, ref: DebtorRef) -> str:
        """Processed ids and event-id digests share one hash (``streams.event_ids``)."""
        return self._keys.debtor(ref[0], ref[1], "ids")

    def timeline_key(self, ref: DebtorRef) -> str:
        return self._keys.debtor(ref[0], ref[1], "timeline")

    async def load(
        self, wanted: Iterable[tuple[DebtorRef, Sequence[str]]]
    ) -> dict[DebtorRef, Loaded]:
        """State and the already-processed subset of ``event_ids`` for each debtor.

        Every debtor's reads join the batch's pipeline (``redis_batch``).
        """
        wanted = list(wanted)
        batch = batcher(self._redis)
        replies = await asyncio.gather(
            *(
                reply
                for ref, event_ids in wanted
                for reply in (
                    batch.call("GET", self.state_key(ref)),
                    batch.call("HMGET", self.ids_key(ref), *event_ids)
                    if event_ids
                    else batch.call("EXISTS", self.ids_key(ref)),
                )
            )
        )
        out: dict[DebtorRef, Loaded] = {}
        for i, (ref, event_ids) in enumerate(wanted):
            raw, marks = replies[2 * i], replies[2 * i + 1]
            matched = marks if isinstance(marks, list) else []
            # A claim without "+" is this batch's own (or a crashed one's): not processed.
            seen = {
                eid
                for eid, mark in zip(event_ids, matched, strict=False)
                if isinstance(mark, bytes | str) and mark[-1:] in (b"+", "+")
            }
            out[ref] = Loaded(DebtorState.decode(raw), seen)
        return out

    async def commit(self, changes: Sequence[Change], now: float) -> None:
        """One script per debtor, all of the batch's in one pipeline."""
        batch = batcher(self._redis)
        calls = []
        for change in changes:
            ref = change.ref
            args: list[bytes | str | float | int] = [
                change.state.encode(),
                now,
                self._ttl,
                self._keep,
                len(change.event_ids),
                *change.event_ids,
                *change.timeline,
            ]
            keys = [self.state_key(ref), self.ids_key(ref), self.timeline_key(ref)]
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
