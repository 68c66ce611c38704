"""Contact commands the dispatcher could not send yet (every provider down, not
due), held in Redis and put back on the contacts topic by the schedule timer.

Expiry: the ``redispatch`` hash's TTL (the contact TTL from each hold) is
housekeeping: a hold lasts seconds (the settle, a provider's retry), the
schedule releases it at its due time on the clock, and the dispatcher then
sends or expires it by the command's own ``expires_at`` (event time).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import redis.asyncio as aioredis

from recaudo.contracts.codec import encode
from recaudo.contracts.outputs import ContactCommand
from recaudo.contracts.schedule import Due, Entry, Schedule
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import Arg, batcher

KIND = "dispatch"

# The command and its hash's TTL together: a hash written without its TTL would stay.
_HOLD = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
"""


class Redispatch:
    def __init__(self, client: aioredis.Redis, keys: Keys, schedule: Schedule, ttl_s: int) -> None:
        self._redis = client
        self._keys = keys
        self._schedule = schedule
        self._ttl_s = ttl_s
        self._hold = client.register_script(_HOLD)

    def _key(self, entry: Entry) -> str:
        return self._keys.debtor(entry.tenant_id, entry.debtor_id, "redispatch")

    async def hold(self, command: ContactCommand, due_at: float) -> None:
        """Held, then scheduled: a tick never claims an entry whose command is not
        there yet. The calls join the batch's pipelines (``redis_batch``), so a
        batch of held commands costs two round trips, not two each."""
        entry = Entry(command.tenant_id, command.debtor_id, command.contact_id, KIND)
        args: list[Arg] = [command.contact_id, encode(command), self._ttl_s]
        await batcher(self._redis).script(self._hold, [self._key(entry)], args)
        await self._schedule.apply([(entry, due_at)], [])

    async def take(self, due: Sequence[Due]) -> list[tuple[Entry, bytes]]:
        """The held commands of ``due`` entries (a vanished one is skipped)."""
        found = await batcher(self._redis).calls(
            [("HGET", self._key(item.entry), item.entry.item_id) for item in due]
        )
        return [(d.entry, raw) for d, raw in zip(due, found, strict=True) if raw is not None]

    async def done(self, entries: Sequence[Entry]) -> None:
        """In either order: a schedule entry whose command is gone is skipped, and a
        command whose entry is gone expires with its hash."""
        batch = batcher(self._redis)
        await asyncio.gather(
            batch.calls([("HDEL", self._key(entry), entry.item_id) for entry in entries]),
            self._schedule.apply([], entries),
        )
