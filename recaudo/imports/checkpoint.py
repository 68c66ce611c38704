"""How far an import of one file got: the last line whose events the broker acked.

Kept in Redis per tenant and file (the file's SHA-256 with the mapping's digest),
so ``recaudo import`` and ``POST /v1/imports`` resume each other's work and any
web replica can resume. It expires with the event-id de-duplication window:
past it, re-sent events would be new to the service anyway.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys


class Checkpoints:
    def __init__(self, client: aioredis.Redis, keys: Keys, ttl_s: int) -> None:
        self._redis = client
        self._keys = keys
        self._ttl = ttl_s

    def key(self, tenant_id: str, file_key: str) -> str:
        return self._keys.tenant(tenant_id, f"import:{file_key}")

    async def sent_through(self, tenant_id: str, file_key: str) -> int:
        """The last line sent (0: nothing yet)."""
        value = await self._redis.get(self.key(tenant_id, file_key))
        return int(value) if value else 0

    async def advance(self, tenant_id: str, file_key: str, line: int) -> None:
        await self._redis.set(self.key(tenant_id, file_key), line, ex=self._ttl)
