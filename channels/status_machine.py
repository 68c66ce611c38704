"""Per-contact delivery status that never moves backwards, in Redis.

Providers post out of order (Meta's ``read`` can beat ``delivered``) and
repeat themselves; a status is accepted only when it ranks above the one
stored for that contact id. The comparison and the write are one Lua script,
so concurrent webhook handlers cannot both win.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.streams.events import DeliveryStatus

S = DeliveryStatus
RANK: dict[DeliveryStatus, int] = {
    S.QUEUED: 0,
    S.SENT: 1,
    # Outcomes of one attempt: whichever comes first is the outcome.
    S.DELIVERED: 2,
    S.UNDELIVERED: 2,
    S.FAILED: 2,
    S.BOUNCED: 2,
    S.ANSWERED: 2,
    S.NO_ANSWER: 2,
    S.BUSY: 2,
    S.VOICEMAIL: 2,
    # Engagement after delivery.
    S.OPENED: 3,
    S.READ: 3,
    S.CLICKED: 4,
    # Legally significant: always after anything else.
    S.COMPLAINED: 5,
    S.UNSUBSCRIBED: 6,
}

# The rank lives after the contact ledger's status in the debtor's per-contact
# hash field (streams.contact_ledger: "<status>/<rank>"); only the rank is touched.
_ADVANCE = """
local v = redis.call('HGET', KEYS[1], ARGV[1]) or ''
local cur = tonumber(string.match(v, '/(%d+)$') or '-1')
local new = tonumber(ARGV[2])
if new <= cur then return -2 end
redis.call('HSET', KEYS[1], ARGV[1], string.match(v, '^[a-z]*') .. '/' .. new)
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return cur
"""

_REVERT = """
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v or string.match(v, '/(%d+)$') ~= ARGV[2] then return 0 end
local s = string.match(v, '^[a-z]*')
if tonumber(ARGV[3]) >= 0 then redis.call('HSET', KEYS[1], ARGV[1], s .. '/' .. ARGV[3])
elseif s == '' then redis.call('HDEL', KEYS[1], ARGV[1])
else redis.call('HSET', KEYS[1], ARGV[1], s) end
return 1
"""

NOT_ADVANCED = -2


class StatusMachine:
    def __init__(self, client: aioredis.Redis, keys: Keys, ttl_s: int) -> None:
        self._redis = client
        self._keys = keys
        self._ttl_s = ttl_s
        self._advance = client.register_script(_ADVANCE)
        self._revert = client.register_script(_REVERT)

    def key(self, tenant_id: str, debtor_id: str) -> str:
        return self._keys.debtor_hash(tenant_id, debtor_id)

    async def advance(
        self, tenant_id: str, debtor_id: str, contact_id: str, status: DeliveryStatus
    ) -> int:
        """The previous rank (-1: none) when ``status`` moved forward, else ``NOT_ADVANCED``."""
        result = await batcher(self._redis).script(
            self._advance, [self.key(tenant_id, debtor_id)], [contact_id, RANK[status], self._ttl_s]
        )
        return int(result)

    async def ranks(self, tenant_id: str, debtor_id: str) -> dict[str, int]:
        """Every contact of the debtor with a delivery rank: contact id -> rank."""
        stored = await self._redis.hgetall(self.key(tenant_id, debtor_id))
        out: dict[str, int] = {}
        for field, value in stored.items():
            if "~" in _text(field):  # the dispatcher's ref and payment fields (contact_rows)
                continue
            _, sep, rank = _text(value).rpartition("/")
            if sep and rank.isdigit():
                out[_text(field)] = int(rank)
        return out

    async def revert(
        self,
        tenant_id: str,
        debtor_id: str,
        contact_id: str,
        status: DeliveryStatus,
        previous: int,
    ) -> None:
        """Undo an ``advance`` whose event could not be published (only if still ours)."""
        await self._revert(
            keys=[self.key(tenant_id, debtor_id)], args=[contact_id, RANK[status], previous]
        )


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
