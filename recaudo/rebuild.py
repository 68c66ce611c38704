"""``recaudo rebuild-state``: debtor state and legal suppressions, replayed from Kafka.

Redis restarted empty has forgotten every opt-out, dispute and cease-and-desist.
The input topics still hold the events that set them, so this replays every
input topic from its earliest offset up to the workers' committed offset,
through the same decision stage the worker uses, and commits only the
resulting debtor state and seen event ids: nothing is published, nothing
scheduled, and what was in flight (pending and emitted contacts) is dropped
rather than guessed. Paused workers keep committing what they had acked, and
hold the rest un-acked; once the marker is written back they decide those
events on the rebuilt state, so nothing is applied twice. Replay keeps a
topic's full history only if its retention does: give input topics
``retention.ms=-1`` (or a compacted copy).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry

from recaudo.channels.dispatch.ledger import ContactLedger
from recaudo.channels.dispatch.runtime import WorkerDispatcher
from recaudo.channels.dispatch.stage import Dispatching
from recaudo.foundation.config import Settings
from recaudo.foundation.kafka import bootstrap_servers
from recaudo.foundation.kafka_security import client_options
from recaudo.foundation.keys import Keys
from recaudo.foundation.state_marker import StateMarker
from recaudo.streams.decision_stage import Inbound
from recaudo.streams.store import Change
from recaudo.streams.wiring import build_wiring

log = logging.getLogger(__name__)
BATCH = 500


@dataclass(frozen=True)
class Rebuilt:
    records: int
    debtors: int


async def rebuild_state(settings: Settings) -> Rebuilt:
    # Learners are off: their state is a cache of the past, relearned online.
    settings = settings.model_copy(update={"learning": False})

    def dispatcher(client: aioredis.Redis, keys: Keys, ledger: ContactLedger) -> Dispatching:
        # Required by the wiring, never called: nothing is dispatched.
        return WorkerDispatcher(
            client,
            keys,
            ledger,
            credentials=None,
            provider_base_url=None,
            webhook_base_url=settings.public_base_url,
            ttl_s=settings.contact_ttl_s,
        )

    wiring = build_wiring(
        settings,
        registry=CollectorRegistry(),
        dispatcher_factory=dispatcher,
        clock=settings.clock(),
    )
    topics = [t for t in wiring.topics.decision_inputs if t != wiring.topics.releases]
    records = 0
    debtors: set[tuple[str, str]] = set()
    try:
        replayed = await _replay(settings, topics)
        for start in range(0, len(replayed), BATCH):
            batch = replayed[start : start + BATCH]
            prepared = await wiring.decision_stage.prepare(batch)
            changes = [_settled(change) for change in prepared.changes]
            await wiring.store.commit(changes, wiring.clock.now().timestamp())
            records += len(batch)
            debtors.update(change.ref for change in changes)
        await StateMarker(wiring.redis, wiring.keys).write("rebuild-state")
    finally:
        await wiring.close()
    log.info("rebuilt the state of %d debtors from %d records", len(debtors), records)
    return Rebuilt(records=records, debtors=len(debtors))


def _settled(change: Change) -> Change:
    """The facts only: nothing in flight, no audit entries (these were not decisions)."""
    state = change.state.model_copy(update={"pending": [], "emitted": []})
    return Change(change.ref, state, change.event_ids, [])


async def _replay(settings: Settings, topics: Sequence[str]) -> list[Inbound]:
    """Every record the workers committed on ``topics``, in broker-time order.

    One debtor's account, payment and response events sit on different topics;
    an opt-out applied before the account that created the contact point would
    be lost, so records are merged by timestamp (stable: partition order kept).
    Held in memory: a rebuild is a one-off, run with the memory it needs.
    """
    out: list[Inbound] = []
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers(settings.broker_url),
        # The workers' group, only to read its committed offsets: never joined.
        group_id=settings.app_id,
        enable_auto_commit=False,
        **client_options(settings),
    )
    try:  # start inside: a start cut short (no broker) must still close what it opened
        await consumer.start()
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return out
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        remaining: dict[TopicPartition, int] = {}
        for tp in partitions:
            committed = await consumer.committed(tp)
            if committed:
                remaining[tp] = committed
        while remaining:
            fetched = await consumer.getmany(*remaining, timeout_ms=1000, max_records=BATCH)
            batch: list[Inbound] = []
            for tp, messages in fetched.items():
                for m in messages:
                    if m.offset < remaining.get(tp, 0):
                        batch.append(
                            _inbound(m.topic, m.partition, m.offset, m.key, m.value, m.timestamp)
                        )
                if tp in remaining and (await consumer.position(tp)) >= remaining[tp]:
                    del remaining[tp]
            out.extend(batch)
    finally:
        await consumer.stop()
    out.sort(key=lambda r: r.timestamp)
    return out


def _inbound(
    topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None, ts_ms: int
) -> Inbound:
    return Inbound(topic, partition, offset, key, value or b"", ts_ms / 1000)
