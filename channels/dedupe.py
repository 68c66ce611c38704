"""Remember provider event ids (and replay nonces) for a while: SET NX with a TTL.

Providers retry (SendGrid for 24 h, Twilio on timeouts), so one event arrives
more than once; the first claim wins. A claim is released again when handing
the event to the broker failed, so the provider's retry is not lost.

Expiry: wall time on purpose. The ``seen:`` keys' horizon is the providers'
retry window, which runs in real time; only the webhook service reads them,
never the decision clock (a backtest has no webhooks).
"""

from __future__ import annotations

import hashlib

import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys


class Deduper:
    def __init__(self, client: aioredis.Redis, keys: Keys, ttl_s: int) -> None:
        self._redis = client
        self._keys = keys
        self._ttl_s = ttl_s

    def key(self, scope: str, event_id: str) -> str:
        # Hash: provider ids are unbounded, odd-charactered strings.
        digest = hashlib.sha256(event_id.encode()).hexdigest()[:32]
        return self._keys.global_(f"seen:{scope}:{digest}")

    async def claim(self, scope: str, event_id: str, ttl_s: int | None = None) -> bool:
        """True the first time ``event_id`` is seen in ``scope`` within the TTL."""
        return bool(
            await self._redis.set(self.key(scope, event_id), b"1", nx=True, ex=ttl_s or self._ttl_s)
        )

    async def release(self, scope: str, event_id: str) -> None:
        await self._redis.delete(self.key(scope, event_id))
