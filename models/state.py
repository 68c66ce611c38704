"""Per-debtor bandit state in Redis: one small bytes value per debtor, never a pickle."""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys
from recaudo.models.bandit import ChannelBandit, DebtorArms

ARMS_KEY = "arms"


class DebtorArmStore:
    """Load and save ``DebtorArms`` under ``Keys.debtor(tenant, debtor, "arms")``."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, bandit: ChannelBandit) -> None:
        self._redis = redis
        self._keys = keys
        self._bandit = bandit

    def key(self, tenant_id: str, debtor_id: str) -> str:
        return self._keys.debtor(tenant_id, debtor_id, ARMS_KEY)

    async def load(self, tenant_id: str, debtor_id: str) -> DebtorArms:
        raw = await self._redis.get(self.key(tenant_id, debtor_id))
        return self._bandit.decode(as_bytes(raw))

    async def load_many(self, tenant_id: str, debtor_ids: Sequence[str]) -> list[DebtorArms]:
        # A pipeline of GETs, not MGET: debtors live in different cluster slots.
        async with self._redis.pipeline(transaction=False) as pipe:
            for d in debtor_ids:
                pipe.get(self.key(tenant_id, d))
            raws = await pipe.execute()
        return [self._bandit.decode(as_bytes(r)) for r in raws]

    async def save(self, tenant_id: str, debtor_id: str, state: DebtorArms) -> None:
        await self._redis.set(self.key(tenant_id, debtor_id), self._bandit.encode(state))


def as_bytes(raw: bytes | str | None) -> bytes | None:
    """The client must not decode responses: binary state is not UTF-8."""
    if raw is None or isinstance(raw, bytes):
        return raw
    raise TypeError("Redis client decodes responses; open it with decode_responses=False")
