"""Per-debtor ledger of contact ids and their dispatch status, in Redis.

The decision stage marks contacts ``pending`` and ``cancelled``; the dispatcher
``claim``s a contact before calling the provider and marks it ``sent``. Both
sides go through one Lua script each, so a cancel and a send can never both win,
and a contact id that was sent (or cancelled) is never sent again, across
crashes and replays. A contact found ``sending`` was claimed by a dispatcher
that crashed or is still at it: its outcome is in doubt. Only a provider that
de-duplicates on ``contact_id`` (an idempotency key) may be asked again; for
any other the contact stays in doubt rather than risk a second message.

Expiry: the debtor hash's TTL (``ttl_s``, the contact TTL, only ever
extended) is housekeeping while a command can still go out: its validity is
its ``expires_at`` (event time, checked by the dispatcher), and the field,
written at the claim (at or after ``send_at``), lives at least that long. A
``cancel`` of a contact past its expiry may find the field gone and answer
``cancelled``: callers ask only while the contact's ``Emitted.exp`` is ahead.
"""

from __future__ import annotations

from enum import StrEnum

import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher


class ContactStatus(StrEnum):
    PENDING = "pending"
    CANCELLED = "cancelled"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


# The debtor's hash (foundation.keys.DEBTOR_HASH): contact id -> "<ledger
# status>[/<delivery kinds>/<delivery rank>]". The delivery status
# (channels.status_machine) shares the field, so a contact costs one hash
# field, not one in each of two keys. Other stages keep their fields beside it
# under "~" tags and may make the key outlive ``ttl_s`` (a payment link, an
# attribution window): so the scripts below only ever extend the key's TTL,
# never shorten it.

# The ledger status is the value's leading word (empty when only a delivery
# status was stored); what follows it is kept as it is.
_CLAIM = """
local v = redis.call('HGET', KEYS[1], ARGV[1]) or ''
local s = string.match(v, '^[a-z]*')
if s == 'cancelled' or s == 'sent' or s == 'failed' or s == 'sending' then return s end
redis.call('HSET', KEYS[1], ARGV[1], 'sending' .. string.sub(v, #s + 1))
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 'claimed'
"""

_CANCEL = """
local v = redis.call('HGET', KEYS[1], ARGV[1]) or ''
local s = string.match(v, '^[a-z]*')
if s == 'sending' or s == 'sent' or s == 'failed' then return s end
redis.call('HSET', KEYS[1], ARGV[1], 'cancelled' .. string.sub(v, #s + 1))
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 'cancelled'
"""

_MARK = """
local v = redis.call('HGET', KEYS[1], ARGV[1]) or ''
local s = string.match(v, '^[a-z]*')
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. string.sub(v, #s + 1))
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 1
"""


class ContactLedger:
    def __init__(self, client: aioredis.Redis, keys: Keys, ttl_s: int) -> None:
        self._redis = client
        self._keys = keys
        self._ttl_s = ttl_s
        self._claim = client.register_script(_CLAIM)
        self._cancel = client.register_script(_CANCEL)
        self._mark = client.register_script(_MARK)

    def key(self, tenant_id: str, debtor_id: str) -> str:
        return self._keys.debtor_hash(tenant_id, debtor_id)

    async def claim(self, tenant_id: str, debtor_id: str, contact_id: str) -> str:
        """``claimed`` when the caller may send now, else the blocking status."""
        keys = [self.key(tenant_id, debtor_id)]
        result = await batcher(self._redis).script(self._claim, keys, [contact_id, self._ttl_s])
        return _text(result)

    async def cancel(self, tenant_id: str, debtor_id: str, contact_id: str) -> str:
        """``cancelled``, or the status that made it too late to cancel."""
        keys = [self.key(tenant_id, debtor_id)]
        result = await batcher(self._redis).script(self._cancel, keys, [contact_id, self._ttl_s])
        return _text(result)

    async def mark(
        self, tenant_id: str, debtor_id: str, contact_id: str, status: ContactStatus
    ) -> None:
        await batcher(self._redis).script(
            self._mark, [self.key(tenant_id, debtor_id)], [contact_id, status.value, self._ttl_s]
        )

    async def status(self, tenant_id: str, debtor_id: str, contact_id: str) -> str | None:
        value = await self._redis.hget(self.key(tenant_id, debtor_id), contact_id)
        status = None if value is None else _text(value).partition("/")[0]
        return status or None


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
