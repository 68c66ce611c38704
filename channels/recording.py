"""A provider that delivers nothing and records every send request in Redis.

For the demo and tests: counting what reached the "provider" per contact id is
how the no-double-send guarantee is checked end to end across worker crashes.
"""

from __future__ import annotations

import orjson
import redis.asyncio as aioredis

from recaudo.channels.base import SendOutcome
from recaudo.contracts.events import DeliveryStatus
from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher


class RecordingProvider:
    name = "recording"
    idempotent = False
    # It posts no callbacks at all, so there is nothing to match by message id:
    # no index is written for it.
    ref_max_len = 1 << 16

    def __init__(self, client: aioredis.Redis, keys: Keys) -> None:
        self._redis = client
        self._key = keys.global_("recording:sent")

    async def send(self, command: ContactCommand) -> SendOutcome:
        record = {"contact_id": command.contact_id, "channel": command.channel.value}
        await batcher(self._redis).call("RPUSH", self._key, orjson.dumps(record))
        return SendOutcome(
            provider=self.name,
            provider_message_id=command.contact_id,
            status=DeliveryStatus.SENT,
        )

    async def sent(self) -> list[dict[str, str]]:
        return [orjson.loads(raw) for raw in await self._redis.lrange(self._key, 0, -1)]
