"""The outbox in Redis: one FIFO lane per endpoint and debtor, and when each is due.

A lane's head is the only message of that debtor in flight for that endpoint:
the next waits until the head succeeds or is dead-lettered, so a CRM sees a
debtor's events in order. ``due`` (one sorted set) says when each lane may be
tried; taking a lane pushes its time ``lease_s`` ahead in the same script, so
two delivery loops never send one head at once, and a loop that dies mid-send
lets the lane come due again (at least once). A message's id is derived from
its endpoint and fact, and written with ``SET NX``: a fact read twice is queued
once, and a delivered message is never sent again (only ``replay`` resends).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

import orjson
import redis.asyncio as aioredis
from pydantic import BaseModel

from recaudo.channels.outbound.catalog import OutboundEvent
from recaudo.channels.outbound.endpoints import Endpoint
from recaudo.foundation.keys import Keys

Status = Literal["pending", "delivered", "dead"]
Outcome = Literal["delivered", "failed", "dead_lettered", "refused"]
#: Messages and their indexes outlive the retry window by this much, for replays.
RETENTION_S = 14 * 24 * 3600
LOG_LENGTH = 100

# ZRANGEBYSCORE and push each found lane's time ahead by the lease, atomically
# (one key: safe on Redis Cluster).
_TAKE = """
local lanes = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, lane in ipairs(lanes) do redis.call('ZADD', KEYS[1], 'XX', ARGV[3], lane) end
return lanes
"""


def message_id(endpoint_id: str, event: OutboundEvent) -> str:
    """The ``webhook-id``: the same on every retry and replay of one fact to one endpoint."""
    raw = f"{endpoint_id}|{event.tenant_id}|{event.type}|{event.source_id}".encode()
    return "msg_" + hashlib.blake2b(raw, digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Lane:
    tenant_id: str
    endpoint_id: str
    debtor_id: str

    @property
    def member(self) -> str:
        return orjson.dumps([self.tenant_id, self.endpoint_id, self.debtor_id]).decode()

    @classmethod
    def parse(cls, member: bytes | str) -> Lane:
        tenant, endpoint, debtor = orjson.loads(member)
        return cls(tenant, endpoint, debtor)


class Message(BaseModel):
    msg_id: str
    lane: tuple[str, str, str]
    type: str
    body: str
    queued_at: float
    status: Status = "pending"
    attempts: int = 0
    first_attempt_at: float | None = None
    last_status_code: int | None = None
    last_error: str | None = None


class DeliveryRecord(BaseModel):
    """One attempt, as the delivery log shows it."""

    msg_id: str
    type: str
    debtor_id: str
    attempt: int
    at: float
    outcome: Outcome
    status_code: int | None = None
    latency_ms: float | None = None
    error: str | None = None


def text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class Outbox:
    def __init__(self, client: aioredis.Redis, keys: Keys, lease_s: float = 120.0) -> None:
        self._redis = client
        self._keys = keys
        self.lease_s = lease_s
        self._take = client.register_script(_TAKE)

    # --- keys ---
    @property
    def _due(self) -> str:
        return self._keys.global_("wh:due")

    def _lane_key(self, lane: Lane) -> str:
        return self._keys.debtor(lane.tenant_id, lane.debtor_id, f"wh:lane:{lane.endpoint_id}")

    def _msg_key(self, tenant_id: str, debtor_id: str, msg_id: str) -> str:
        return self._keys.debtor(tenant_id, debtor_id, f"wh:msg:{msg_id}")

    def _index(self, tenant_id: str, endpoint_id: str, name: str) -> str:
        return self._keys.tenant(tenant_id, f"wh:{endpoint_id}:{name}")

    # --- writing ---
    async def enqueue(self, endpoint: Endpoint, event: OutboundEvent, now: float) -> bool:
        """Queue ``event`` for ``endpoint``; False when that fact was queued before."""
        msg_id = message_id(endpoint.endpoint_id, event)
        lane = Lane(event.tenant_id, endpoint.endpoint_id, event.debtor_id)
        body = orjson.dumps(
            {"type": str(event.type), "timestamp": event.occurred_at, "data": event.data}
        ).decode()
        message = Message(
            msg_id=msg_id,
            lane=(lane.tenant_id, lane.endpoint_id, lane.debtor_id),
            type=str(event.type),
            body=body,
            queued_at=now,
        )
        key = self._msg_key(lane.tenant_id, lane.debtor_id, msg_id)
        if not await self._redis.set(key, message.model_dump_json(), nx=True, ex=RETENTION_S):
            return False
        await self._push(lane, msg_id, now)
        index = self._index(lane.tenant_id, lane.endpoint_id, "msgs")
        await self._redis.zadd(index, {f"{msg_id}:{lane.debtor_id}": now})
        await self._redis.expire(index, RETENTION_S)
        return True

    async def _push(self, lane: Lane, msg_id: str, now: float) -> None:
        # Pushed before it is scheduled: ``advance`` re-checks the length after
        # taking a lane off ``due``, so no push is ever left unscheduled.
        await self._redis.rpush(self._lane_key(lane), msg_id)
        await self._redis.zadd(self._due, {lane.member: now}, nx=True)

    async def save(self, message: Message) -> None:
        tenant, _, debtor = message.lane
        key = self._msg_key(tenant, debtor, message.msg_id)
        await self._redis.set(key, message.model_dump_json(), xx=True, keepttl=True)

    # --- delivering ---
    async def take(self, now: float, limit: int) -> list[Lane]:
        """Lanes due by ``now``, each leased to the caller for ``lease_s``."""
        found = await self._take(keys=[self._due], args=[now, limit, now + self.lease_s])
        return [Lane.parse(m) for m in found]

    async def head(self, lane: Lane) -> Message | None:
        msg_id = await self._redis.lindex(self._lane_key(lane), 0)
        if msg_id is None:
            return None
        key = self._msg_key(lane.tenant_id, lane.debtor_id, text(msg_id))
        raw = await self._redis.get(key)
        return None if raw is None else Message.model_validate_json(raw)

    async def retry_at(self, lane: Lane, at: float) -> None:
        await self._redis.zadd(self._due, {lane.member: at}, xx=True)

    async def advance(self, lane: Lane, now: float) -> None:
        """The head is done (delivered, dead, or gone): the next one is due now."""
        key = self._lane_key(lane)
        await self._redis.lpop(key)
        await self._redis.zrem(self._due, lane.member)
        if await self._redis.llen(key):
            await self._redis.zadd(self._due, {lane.member: now}, nx=True)

    async def dead_letter(self, message: Message, now: float) -> None:
        tenant, endpoint, debtor = message.lane
        await self.save(message.model_copy(update={"status": "dead"}))
        dead = self._index(tenant, endpoint, "dead")
        await self._redis.zadd(dead, {f"{message.msg_id}:{debtor}": now})
        await self._redis.expire(dead, RETENTION_S)

    async def log(self, tenant_id: str, endpoint_id: str, record: DeliveryRecord) -> None:
        key = self._index(tenant_id, endpoint_id, "log")
        await self._redis.lpush(key, record.model_dump_json())
        await self._redis.ltrim(key, 0, LOG_LENGTH - 1)
        await self._redis.expire(key, RETENTION_S)

    # --- reading and replaying ---
    async def deliveries(self, tenant_id: str, endpoint_id: str, n: int) -> list[DeliveryRecord]:
        raw = await self._redis.lrange(self._index(tenant_id, endpoint_id, "log"), 0, n - 1)
        return [DeliveryRecord.model_validate_json(r) for r in raw]

    async def dead_count(self, tenant_id: str, endpoint_id: str) -> int:
        return int(await self._redis.zcard(self._index(tenant_id, endpoint_id, "dead")))

    async def replay(
        self,
        endpoint: Endpoint,
        now: float,
        *,
        types: set[str] | None = None,
        since: float | None = None,
        until: float | None = None,
        delivered_too: bool = False,
    ) -> int:
        """Queue again the endpoint's dead letters (and, asked, delivered messages) queued
        in ``[since, until]``, with their own ids and a fresh retry window."""
        tenant, endpoint_id = endpoint.tenant_id, endpoint.endpoint_id
        members = await self._redis.zrangebyscore(
            self._index(tenant, endpoint_id, "msgs"),
            "-inf" if since is None else since,
            "+inf" if until is None else until,
        )
        wanted: set[str] = {"dead", "delivered"} if delivered_too else {"dead"}
        count = 0
        for member in members:
            member = text(member)
            msg_id, _, debtor = member.partition(":")
            raw = await self._redis.get(self._msg_key(tenant, debtor, msg_id))
            if raw is None:
                continue
            message = Message.model_validate_json(raw)
            if message.status not in wanted or (types and message.type not in types):
                continue
            fresh = message.model_copy(
                update={"status": "pending", "attempts": 0, "first_attempt_at": None}
            )
            await self.save(fresh)
            await self._redis.zrem(self._index(tenant, endpoint_id, "dead"), member)
            await self._push(Lane(tenant, endpoint_id, debtor), msg_id, now)
            count += 1
        return count
