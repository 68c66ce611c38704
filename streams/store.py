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

from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.streams.event_ids import TRIM_IDS
from recaudo.streams.state import DebtorState
from recaudo.streams.timeline import RECENT

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
for i = first, #ARGV do
  redis.call('LPUSH', KEYS[3], ARGV[i])
end
if #ARGV >= first then
  redis.call('LTRIM', KEYS[3], 0, @LAST@)
  redis.call('EXPIRE', KEYS[3], ttl * 13)
end
return 1
""".replace("@LAST@", str(RECENT - 1))
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
        """The recent view (``streams.timeline``), newest first; at most ``RECENT``."""
        items = await self._redis.lrange(self.timeline_key(ref), 0, min(limit, RECENT) - 1)
        return [item if isinstance(item, bytes) else item.encode() for item in items]
