"""Contact commands the dispatcher could not send yet (every provider down, not
due), held in Redis and put back on the contacts topic by the schedule timer.

Expiry: the ``redispatch`` hash's TTL (the contact TTL from each hold) is
housekeeping: a hold lasts seconds (the settle, a provider's retry), the
schedule releases it at its due time on the clock, and the dispatcher then
sends or expires it by the command's own ``expires_at`` (event time).
"""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis

from recaudo.contracts.codec import encode
from recaudo.contracts.outputs import ContactCommand
from recaudo.contracts.schedule import Due, Entry, Schedule
from recaudo.foundation.keys import Keys

KIND = "dispatch"


class Redispatch:
    def __init__(self, client: aioredis.Redis, keys: Keys, schedule: Schedule, ttl_s: int) -> None:
        self._redis = client
        self._keys = keys
        self._schedule = schedule
        self._ttl_s = ttl_s

    def _key(self, entry: Entry) -> str:
        return self._keys.debtor(entry.tenant_id, entry.debtor_id, "redispatch")

    async def hold(self, command: ContactCommand, due_at: float) -> None:
        entry = Entry(command.tenant_id, command.debtor_id, command.contact_id, KIND)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._key(entry), command.contact_id, encode(command))
            pipe.expire(self._key(entry), self._ttl_s)
            await pipe.execute()
        await self._schedule.apply([(entry, due_at)], [])

    async def take(self, due: Sequence[Due]) -> list[tuple[Entry, bytes]]:
        """The held commands of ``due`` entries (a vanished one is skipped)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for item in due:
                pipe.hget(self._key(item.entry), item.entry.item_id)
            found = await pipe.execute()
        return [(d.entry, raw) for d, raw in zip(due, found, strict=True) if raw is not None]

    async def done(self, entries: Sequence[Entry]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for entry in entries:
                pipe.hdel(self._key(entry), entry.item_id)
            await pipe.execute()
        await self._schedule.apply([], entries)
