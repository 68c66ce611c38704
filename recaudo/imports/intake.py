"""What an import asks of the service: the same id checks and hand-off as ``POST /v1/events``.

``seen`` reads (never claims) each event id's mark in its debtor's hash
(``streams.event_ids``): an id the decide stage already processed with the
same content is a duplicate and is not sent again; one holding other content
is a conflict, reported against the row. ``send`` claims the ids
(``EventDigests.conflicts``, as the HTTP edge does) and publishes, snapshots
last, each record acked by the broker before it returns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from enum import Enum

import redis.asyncio as aioredis

from recaudo.contracts.codec import encode
from recaudo.contracts.events import AccountEvent, Event
from recaudo.contracts.publisher import Publisher
from recaudo.contracts.topics import Topics, topic_of
from recaudo.foundation.clock import Clock
from recaudo.foundation.config import Settings
from recaudo.foundation.errors import EventIdConflict
from recaudo.foundation.keys import Keys
from recaudo.streams.event_ids import (
    EventDigests,
    clock_minute,
    digest,
    event_field,
    mark_fresh,
    ttl_minutes,
)


class Seen(Enum):
    NEW = "new"
    PROCESSED = "processed"
    CONFLICT = "conflict"


class Intake:
    def __init__(
        self,
        client: aioredis.Redis,
        keys: Keys,
        digests: EventDigests,
        publisher: Publisher,
        topics: Topics,
        ttl_s: int,
        clock: Clock,
    ) -> None:
        self._redis = client
        self._keys = keys
        self._digests = digests
        self._publisher = publisher
        self._topics = topics
        self._ttl_m = ttl_minutes(ttl_s)
        self._clock = clock

    @classmethod
    def for_settings(
        cls, settings: Settings, client: aioredis.Redis, publisher: Publisher
    ) -> Intake:
        """Wired as the web app wires ``POST /v1/events``: same keys, TTL and clock."""
        keys, clock = Keys(settings.redis_prefix), settings.clock()
        digests = EventDigests(client, keys, settings.dedupe_ttl_s, clock=clock)
        topics = Topics(settings.topic_prefix)
        return cls(client, keys, digests, publisher, topics, settings.dedupe_ttl_s, clock)

    async def seen(self, events: Sequence[Event]) -> list[Seen]:
        if not events:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for e in events:
                pipe.hget(self._keys.debtor_hash(e.tenant_id, e.debtor_id), event_field(e.event_id))
            marks = await pipe.execute()
        now_m = clock_minute(self._clock)
        out = []
        for event, mark in zip(events, marks, strict=True):
            text = mark.decode() if isinstance(mark, bytes) else mark
            if not text or not mark_fresh(text, now_m, self._ttl_m) or text.startswith(":"):
                out.append(Seen.NEW)
            elif not text.startswith(digest(event) + ":"):
                out.append(Seen.CONFLICT)
            else:
                # Claimed but not yet processed may never have reached the broker: resend.
                out.append(Seen.PROCESSED if text.endswith("+") else Seen.NEW)
        return out

    async def send(self, events: Sequence[Event]) -> None:
        """Claim and publish; an id claimed for other content meanwhile stops the import."""
        conflicts = await self._digests.conflicts(events)
        if conflicts:
            first = events[min(conflicts)]
            raise EventIdConflict(f"{first.event_id!r} already names an event with other content")
        # Snapshots after the rest, as POST /v1/events: a worker that reads a snapshot
        # has the payments sent with it in the same fetch.
        first_wave = [e for e in events if not isinstance(e, AccountEvent)]
        snapshots = [e for e in events if isinstance(e, AccountEvent)]
        for wave in (first_wave, snapshots):
            await asyncio.gather(
                *(
                    self._publisher.publish(self._topics.name(topic_of(e)), e.debtor_id, encode(e))
                    for e in wave
                )
            )
