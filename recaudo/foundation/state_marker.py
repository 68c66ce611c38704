"""A marker key that tells "Redis lost our state" from "first start".

Suppressions (opt-outs, cease-and-desist, disputes) live in Redis. A Redis that
restarted without persistence answers PING and looks healthy, yet has
forgotten who must never be contacted. The marker is written once, at the
first start of a deployment (no consumer group history yet) and again by
``recaudo rebuild-state``; while it is missing, readiness is false, the gauge
``recaudo_redis_state_lost`` is 1 and workers decide nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

import orjson
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry, Gauge

from recaudo.foundation.errors import StateLost
from recaudo.foundation.keys import Keys

log = logging.getLogger(__name__)


class StateMarker:
    def __init__(
        self, client: aioredis.Redis, keys: Keys, registry: CollectorRegistry | None = None
    ) -> None:
        self._redis = client
        self.key = keys.global_("state-marker")
        self._lost = Gauge(
            "recaudo_redis_state_lost",
            "1 while Redis lacks the state marker: state was lost; run recaudo rebuild-state.",
            registry=registry,
        )

    async def present(self) -> bool:
        """Readiness check; also sets the gauge."""
        found = bool(await self._redis.exists(self.key))
        self._lost.set(0 if found else 1)
        return found

    async def require(self) -> None:
        """Raise StateLost unless the marker is there (checked before each batch)."""
        if not await self.present():
            raise StateLost(
                f"Redis has no state marker ({self.key}): its data was lost; "
                "decisions are paused until `recaudo rebuild-state` restores it"
            )

    async def write(self, origin: str) -> None:
        value = {"origin": origin, "at": dt.datetime.now(dt.UTC).isoformat()}
        await self._redis.set(self.key, orjson.dumps(value))
        self._lost.set(0)

    async def init_first_start(self, has_history: Callable[[], Awaitable[bool]]) -> None:
        """Write the marker if this deployment has never run (no committed offsets)."""
        if await self._redis.exists(self.key):
            return
        if await has_history():
            log.error(
                "Redis lost this deployment's state (no %s, yet the consumer group has "
                "committed offsets): decisions are paused; run `recaudo rebuild-state`",
                self.key,
            )
            return
        # NX: two workers starting together write it once.
        value = {"origin": "first-start", "at": dt.datetime.now(dt.UTC).isoformat()}
        await self._redis.set(self.key, orjson.dumps(value), nx=True)
