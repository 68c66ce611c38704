"""Deferred work held in Redis sorted sets, scored by due time (epoch seconds).

Members are spread over shards so several workers' timers share the load; a
timer ``claim``s due members atomically by pushing their score a lease into the
future and publishes a release event; the decision stage, which owns the
debtor, removes or re-schedules the member when it handles the release. A timer
killed between claim and publish loses nothing: the lease runs out and the
member is due again. The release event id is derived from the member and its
claimed score, so a second release of the same claim is de-duplicated.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher

_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, ARGV[2])
local lease_until = tonumber(ARGV[1]) + tonumber(ARGV[3])
for i = 1, #due, 2 do
  redis.call('ZADD', KEYS[1], lease_until, due[i])
end
return due
"""


@dataclass(frozen=True, slots=True)
class Entry:
    tenant_id: str
    debtor_id: str
    item_id: str
    kind: str

    @property
    def member(self) -> str:
        return "|".join((self.kind, self.tenant_id, self.debtor_id, self.item_id))

    @classmethod
    def parse(cls, member: str) -> Entry:
        kind, tenant_id, debtor_id, item_id = member.split("|", 3)
        return cls(tenant_id=tenant_id, debtor_id=debtor_id, item_id=item_id, kind=kind)


@dataclass(frozen=True, slots=True)
class Due:
    entry: Entry
    due_at: float


class Schedule:
    def __init__(self, client: aioredis.Redis, keys: Keys, shards: int) -> None:
        self._redis = client
        self._keys = keys
        self._shards = shards
        self._claim = client.register_script(_CLAIM)

    def shard_key(self, shard: int) -> str:
        return self._keys.global_(f"schedule:{shard}")

    def key_for(self, entry: Entry) -> str:
        return self.shard_key(zlib.crc32(entry.debtor_id.encode()) % self._shards)

    async def apply(self, add: Sequence[tuple[Entry, float]], remove: Sequence[Entry]) -> None:
        """Idempotent: replays after a crash add and remove the same members again."""
        if not add and not remove:
            return
        await batcher(self._redis).calls(
            [("ZADD", self.key_for(entry), due_at, entry.member) for entry, due_at in add]
            + [("ZREM", self.key_for(entry), entry.member) for entry in remove]
        )

    async def claim_due(self, now: float, limit: int, lease_s: float) -> list[Due]:
        """Up to ``limit`` due entries of each shard, every shard in one round trip."""
        batch = batcher(self._redis)
        replies = await asyncio.gather(
            *(
                batch.script(self._claim, [self.shard_key(shard)], [now, limit, lease_s])
                for shard in range(self._shards)
            )
        )
        found: list[Due] = []
        for reply in replies:
            for member, score in zip(reply[::2], reply[1::2], strict=True):
                text = member.decode() if isinstance(member, bytes) else str(member)
                found.append(Due(Entry.parse(text), float(score)))
        return found

    async def next_due(self) -> float | None:
        """The earliest due time in any shard (epoch seconds), None when empty."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for shard in range(self._shards):
                pipe.zrange(self.shard_key(shard), 0, 0, withscores=True)
            heads = await pipe.execute()
        due = [float(head[0][1]) for head in heads if head]
        return min(due) if due else None

    async def size(self) -> int:
        cards = [("ZCARD", self.shard_key(shard)) for shard in range(self._shards)]
        return sum(int(n) for n in await batcher(self._redis).calls(cards))

    async def backlog(self, now: float, edges: Sequence[tuple[str, float]]) -> dict[str, int]:
        """Items by how long overdue; ``edges`` are (name, upper bound in seconds past due).

        Overdue items mean the timer or the decide stage is behind: the total
        size alone cannot tell a healthy future backlog from a stuck one.
        """
        bounds = [("not_due", f"({now!r}", "+inf")]
        newest = repr(now)
        for name, upper in edges:
            low = "-inf" if upper == float("inf") else f"({now - upper!r}"
            bounds.append((name, low, newest))
            newest = repr(now - upper)
        counts = await batcher(self._redis).calls(
            [
                ("ZCOUNT", self.shard_key(shard), low, high)
                for shard in range(self._shards)
                for _, low, high in bounds
            ]
        )
        out = dict.fromkeys((name for name, _, _ in bounds), 0)
        for i, n in enumerate(counts):
            out[bounds[i % len(bounds)][0]] += n
        return out
