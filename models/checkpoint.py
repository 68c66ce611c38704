"""Global model checkpoints in Redis, as JSON: parameters only, never pickles.

Each model writes its parameters (``to_json``) under
``<prefix>:<tenant>:model:<name>``; a worker starting up loads them with the
model's own ``from_json``, which validates the layout and cannot execute code.
The model's ``version`` string (e.g. ``propensity-v3@1a2b3c4d5e``) goes into
every decision record.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys

_COMPARE_AND_SET = """
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
"""


class Checkpointable(Protocol):
    name: str

    @property
    def version(self) -> str: ...

    def to_json(self) -> bytes: ...


M = TypeVar("M")


class Loader(Protocol[M]):  # type: ignore[misc]  # M is returned only: a loader protocol
    def __call__(self, raw: bytes | str) -> M: ...


class CheckpointStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._cas = redis.register_script(_COMPARE_AND_SET)

    def key(self, tenant_id: str, name: str) -> str:
        return self._keys.tenant(tenant_id, f"model:{name}")

    async def save(self, tenant_id: str, model: Checkpointable, body: bytes | None = None) -> str:
        """Store ``body`` (default ``model.to_json()``); returns the model's version."""
        await self._redis.set(self.key(tenant_id, model.name), body or model.to_json())
        return model.version

    async def replace(self, tenant_id: str, name: str, expected: bytes | None, body: bytes) -> bool:
        """Store ``body`` only if the stored value is still ``expected`` (None: absent).

        One key, one script: a compare-and-set that is atomic on a single Redis
        and on a cluster alike, so two workers merging at once retry instead of
        one silently overwriting the other.
        """
        stored = await self._cas(
            keys=[self.key(tenant_id, name)], args=[b"" if expected is None else expected, body]
        )
        return bool(stored)

    async def load_raw(self, tenant_id: str, name: str) -> bytes | None:
        raw = await self._redis.get(self.key(tenant_id, name))
        if raw is None:
            return None
        return raw.encode() if isinstance(raw, str) else bytes(raw)

    async def load(self, tenant_id: str, name: str, loader: Loader[M]) -> M | None:
        """The stored model through its own JSON loader, or None when none is stored."""
        raw = await self.load_raw(tenant_id, name)
        return None if raw is None else loader(raw)
