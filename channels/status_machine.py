"""Per-contact delivery status that never moves backwards, in Redis.

Providers post out of order (Meta's ``read`` can beat ``delivered``) and
repeat themselves. Each contact keeps the kinds of status it has seen and the
highest rank among them (what the ops page shows). A status is published when
its kind is new and it either ranks above everything seen or has an effect of
its own (``OWN_EFFECT``): a complaint after an unsubscribe, a click after a
complaint, a bounce after ``delivered`` still reach the decision stage, once
each, in whatever order they came. The check and the write are one Lua
script, so concurrent webhook handlers cannot both win.

Expiry: the kinds share the contact's field in the debtor hash and live as
long as it does (at least ``ttl_s`` after the last receipt). Only webhooks,
on the wall clock, read them, never the decision clock (a backtest has none);
the ops page shows the rank.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from recaudo.contracts.events import DeliveryStatus
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import Arg, batcher

S = DeliveryStatus
#: Also the bit order of the stored kinds (bit i: the i-th status here), so new
#: statuses go at the end. The first status of each rank is the one a stored
#: rank of the earlier form (no kinds) is read as.
RANK: dict[DeliveryStatus, int] = {
    S.QUEUED: 0,
    S.SENT: 1,
    # Outcomes of one attempt.
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
KINDS = tuple(RANK)
_RANKS = "".join(str(RANK[kind]) for kind in KINDS)

#: What the decision stage does something with (a reward, a report flag, an
#: opt-out, a bounce) that no higher-ranked status implies: published once each,
#: whatever arrived first. Any other status only matters while it moves the rank.
OWN_EFFECT = frozenset(
    {S.FAILED, S.UNDELIVERED, S.BOUNCED, S.ANSWERED, S.CLICKED, S.COMPLAINED, S.UNSUBSCRIBED}
)

# The contact's field in the debtor's hash (channels.dispatch.ledger) holds
# "<ledger status>/<kinds>/<rank>": the kinds seen as a bit set, then their
# highest rank. A value of the earlier form "<ledger status>/<rank>" counts as
# the first kind of that rank. Only the part after the ledger status is touched.
# ARGV: contact id, the kind's bit, 1 if it has an effect of its own, TTL, ranks.
_ADVANCE = """
local v, ranks = redis.call('HGET', KEYS[1], ARGV[1]) or '', ARGV[5]
local kinds, rank = string.match(v, '/(%d+)/(%d+)$')
if kinds then
  kinds, rank = tonumber(kinds), tonumber(rank)
else
  rank = tonumber(string.match(v, '/(%d+)$') or '-1')
  local first = rank >= 0 and string.find(ranks, rank, 1, true)
  kinds = first and bit.lshift(1, first - 1) or 0
end
local i = tonumber(ARGV[2])
local mine = bit.lshift(1, i)
if bit.band(kinds, mine) ~= 0 then return -2 end
local new = tonumber(string.sub(ranks, i + 1, i + 1))
redis.call('HSET', KEYS[1], ARGV[1],
  string.match(v, '^[a-z]*') .. '/' .. bit.bor(kinds, mine) .. '/' .. math.max(rank, new))
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
if new > rank or ARGV[3] == '1' then return rank end
return -2
"""

# Forget one kind again; the rank falls back to the highest of the kinds left,
# each of which was seen by a request that was answered or is still in flight.
_REVERT = """
local v, ranks = redis.call('HGET', KEYS[1], ARGV[1]), ARGV[3]
local kinds = v and tonumber(string.match(v, '/(%d+)/%d+$'))
local mine = bit.lshift(1, tonumber(ARGV[2]))
if not kinds or bit.band(kinds, mine) == 0 then return 0 end
kinds = bit.band(kinds, bit.bnot(mine))
local rank = -1
for i = 1, #ranks do
  if bit.band(kinds, bit.lshift(1, i - 1)) ~= 0 then
    rank = math.max(rank, tonumber(string.sub(ranks, i, i)))
  end
end
local s = string.match(v, '^[a-z]*')
if rank >= 0 then redis.call('HSET', KEYS[1], ARGV[1], s .. '/' .. kinds .. '/' .. rank)
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
        """The previous rank (-1: none) when ``status`` is to be published, else
        ``NOT_ADVANCED`` (its kind was seen, or it says nothing new)."""
        once = int(status in OWN_EFFECT)
        args: list[Arg] = [contact_id, KINDS.index(status), once, self._ttl_s, _RANKS]
        result = await batcher(self._redis).script(
            self._advance, [self.key(tenant_id, debtor_id)], args
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
        self, tenant_id: str, debtor_id: str, contact_id: str, status: DeliveryStatus
    ) -> None:
        """Undo an ``advance`` whose event could not be published, so the
        provider's retry is published; other kinds seen meanwhile stay."""
        await self._revert(
            keys=[self.key(tenant_id, debtor_id)], args=[contact_id, KINDS.index(status), _RANKS]
        )


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
