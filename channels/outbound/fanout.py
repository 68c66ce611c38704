"""From the worker's records to queued messages: the only outbound work on a stream.

It runs as its own agent and only writes to Redis (a few commands per
subscribed endpoint), so reading the decisions and receipts for the CRM never
waits on the CRM. Records it cannot read are skipped: the decide stage has
already dead-lettered bad inputs, and outputs are ours.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from recaudo.channels.outbound.catalog import SOURCE_TOPICS, events_of
from recaudo.channels.outbound.endpoints import Endpoint, EndpointStore
from recaudo.channels.outbound.queue import Outbox
from recaudo.contracts.topics import Topics
from recaudo.foundation.clock import Clock


class FanOut:
    def __init__(
        self, endpoints: EndpointStore, outbox: Outbox, clock: Clock, topic_prefix: str = ""
    ) -> None:
        self._endpoints = endpoints
        self._outbox = outbox
        self._clock = clock
        self._topics = Topics(topic_prefix)

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(self._topics.name(base) for base in SOURCE_TOPICS)

    async def handle(self, records: Iterable[tuple[str, bytes]]) -> int:
        """Queue the events of ``(topic, value)`` records, in order; how many were queued."""
        by_tenant: dict[str, list[Endpoint]] = {}
        queued = 0
        now = self._clock.now().timestamp()
        for topic, value in records:
            try:
                record = orjson.loads(value)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(record, dict):
                continue
            for event in events_of(topic.removeprefix(self._topics.prefix), record):
                if event.tenant_id not in by_tenant:
                    by_tenant[event.tenant_id] = await self._endpoints.list(event.tenant_id)
                for endpoint in by_tenant[event.tenant_id]:
                    if event.type in endpoint.types:
                        queued += await self._outbox.enqueue(endpoint, event, now)
        return queued
