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
from recaudo.streams.state import DebtorState
from recaudo.streams.timeline import RECENT

DebtorRef = tuple[str, str]

_COMMIT = """
redis.call('SET', KEYS[1], ARGV[1])
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local keep = tonumber(ARGV[4])
local n_ids = tonumber(ARGV[5])
for i = 1, n_ids do
  redis.call('ZADD', KEYS[2], now, ARGV[5 + i])
end
if n_ids > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -keep - 1)
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

    def seen_key(self, ref: DebtorRef) -> str:
        return self._keys.debtor(ref[0], ref[1], "seen")

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
                    batch.call("ZMSCORE", self.seen_key(ref), *event_ids)
                    if event_ids
                    else batch.call("EXISTS", self.seen_key(ref)),
                )
            )
        )
        out: dict[DebtorRef, Loaded] = {}
        for i, (ref, event_ids) in enumerate(wanted):
            raw, scores = replies[2 * i], replies[2 * i + 1]
            matched = scores if isinstance(scores, list) else []
            seen = {
                eid for eid, score in zip(event_ids, matched, strict=False) if score is not None
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
            keys = [self.state_key(ref), self.seen_key(ref), self.timeline_key(ref)]
            calls.append(batch.script(self._commit, keys, args))
        await asyncio.gather(*calls)

    async def timeline(self, ref: DebtorRef, limit: int = RECENT) -> list[bytes]:
        """The recent view (``streams.timeline``), newest first; at most ``RECENT``."""
        items = await self._redis.lrange(self.timeline_key(ref), 0, min(limit, RECENT) - 1)
        return [item if isinstance(item, bytes) else item.encode() for item in items]
