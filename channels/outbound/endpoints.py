"""A tenant's webhook endpoints, kept in Redis: URL, event types, live secrets.

One hash per tenant (id -> JSON) and one global id -> tenant index, so
``recaudo webhooks replay --endpoint ID`` finds an endpoint without a tenant.
A rotation keeps the previous secret live for ``overlap`` more (by the clock),
so the CRM can switch secrets without dropping a message.
"""

from __future__ import annotations

import datetime as dt
import secrets

import redis.asyncio as aioredis
from pydantic import AwareDatetime, BaseModel

from recaudo.channels.outbound.catalog import EventType
from recaudo.channels.outbound.signing import new_secret
from recaudo.foundation.keys import Keys


class Endpoint(BaseModel):
    endpoint_id: str
    tenant_id: str
    url: str
    types: list[EventType]
    description: str | None = None
    created_at: AwareDatetime
    #: Newest first; the second is live until ``previous_until``.
    secrets: list[str]
    previous_until: AwareDatetime | None = None

    def live_secrets(self, now: dt.datetime) -> list[str]:
        live = self.secrets[:1]
        if len(self.secrets) > 1 and self.previous_until is not None and now < self.previous_until:
            live.append(self.secrets[1])
        return live


class EndpointStore:
    def __init__(self, client: aioredis.Redis, keys: Keys) -> None:
        self._redis = client
        self._keys = keys

    def _hash(self, tenant_id: str) -> str:
        return self._keys.tenant(tenant_id, "wh:endpoints")

    @property
    def _index(self) -> str:
        return self._keys.global_("wh:endpoint-tenant")

    async def create(
        self,
        tenant_id: str,
        url: str,
        types: list[EventType],
        description: str | None,
        now: dt.datetime,
    ) -> Endpoint:
        endpoint = Endpoint(
            endpoint_id=f"ep_{secrets.token_hex(8)}",
            tenant_id=tenant_id,
            url=url,
            types=sorted(set(types)),
            description=description,
            created_at=now,
            secrets=[new_secret()],
        )
        await self._save(endpoint)
        await self._redis.hset(self._index, endpoint.endpoint_id, tenant_id)
        return endpoint

    async def _save(self, endpoint: Endpoint) -> None:
        await self._redis.hset(
            self._hash(endpoint.tenant_id), endpoint.endpoint_id, endpoint.model_dump_json()
        )

    async def get(self, tenant_id: str, endpoint_id: str) -> Endpoint | None:
        raw = await self._redis.hget(self._hash(tenant_id), endpoint_id)
        return None if raw is None else Endpoint.model_validate_json(raw)

    async def find(self, endpoint_id: str) -> Endpoint | None:
        """By id alone (the CLI): the index names its tenant."""
        tenant = await self._redis.hget(self._index, endpoint_id)
        if tenant is None:
            return None
        return await self.get(tenant.decode() if isinstance(tenant, bytes) else tenant, endpoint_id)

    async def list(self, tenant_id: str) -> list[Endpoint]:
        raw = await self._redis.hgetall(self._hash(tenant_id))
        found = [Endpoint.model_validate_json(v) for v in raw.values()]
        return sorted(found, key=lambda e: (e.created_at, e.endpoint_id))

    async def delete(self, tenant_id: str, endpoint_id: str) -> bool:
        removed = await self._redis.hdel(self._hash(tenant_id), endpoint_id)
        await self._redis.hdel(self._index, endpoint_id)
        return bool(removed)

    async def rotate(
        self, tenant_id: str, endpoint_id: str, now: dt.datetime, overlap: dt.timedelta
    ) -> Endpoint | None:
        """A new secret first; the current one stays live for ``overlap``."""
        endpoint = await self.get(tenant_id, endpoint_id)
        if endpoint is None:
            return None
        rotated = endpoint.model_copy(
            update={"secrets": [new_secret(), endpoint.secrets[0]], "previous_until": now + overlap}
        )
        await self._save(rotated)
        return rotated
