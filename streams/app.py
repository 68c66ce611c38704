"""The Faust app: the decide agents (an urgent lane and a bulk lane,
``streams.lanes``), the dispatch agent and the schedule timer.

Every input topic is read raw and parsed by the stages, so a malformed message
becomes a dead letter instead of a codec error. Outputs are sent with
``force=True`` (not attached to the source event) and awaited before the state
commit: the order that makes a crash replay safe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

import faust

from recaudo.contracts.codec import register_codec
from recaudo.contracts.resilience import finish_before_ack, with_retries
from recaudo.foundation.config import Settings
from recaudo.foundation.kafka_security import faust_options
from recaudo.streams.agent_batches import agent_batches, queued
from recaudo.streams.decision_stage import Inbound, Outbound
from recaudo.streams.lanes import Lane, Lanes
from recaudo.streams.timeline import Position
from recaudo.streams.transport import app_class
from recaudo.streams.wiring import Wiring

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 20.0


def build_app(settings: Settings, wiring: Wiring) -> faust.App:
    register_codec()
    topics = wiring.topics
    urgent = frozenset(topics.urgent_inputs) if settings.urgent_lane else frozenset()
    app = app_class(settings.broker_fetch_max_wait_ms, urgent)(
        settings.app_id,
        broker=settings.broker_url,
        store="memory://",
        web_enabled=False,
        autodiscover=False,
        topic_partitions=settings.topic_partitions,
        **faust_options(settings),
        broker_session_timeout=settings.broker_session_timeout_s,
        broker_rebalance_timeout=settings.broker_rebalance_timeout_s,
        broker_heartbeat_interval=settings.broker_heartbeat_interval_s,
        broker_commit_interval=settings.broker_commit_interval_s,
        broker_max_poll_records=settings.broker_max_poll_records,
        consumer_max_fetch_size=settings.broker_max_partition_fetch_bytes,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        key_serializer="raw",
        value_serializer="raw",
    )
    raw: dict[str, Any] = {"key_type": bytes, "value_type": bytes}
    contacts = app.topic(topics.contacts, **raw)
    outputs = {name: app.topic(name, **raw) for name in topics.all}

    async def publish(records: Sequence[Outbound]) -> list[Position | None]:
        """Where the broker put each record (the timeline points there)."""
        # The producer directly: values are already encoded, and the topic's
        # codec and attachment machinery would only add per-record overhead.
        producer = app.producer
        futures = [
            await producer.send(r.topic, r.key.encode(), r.value, None, None, None) for r in records
        ]
        acked = await asyncio.gather(*futures)
        return [
            (int(md.partition), int(md.offset)) if md is not None and md.offset >= 0 else None
            for md in acked
        ]

    async def require_state() -> None:
        # Deciding on an empty Redis would contact debtors who opted out.
        if wiring.marker is not None:
            await wiring.marker.require()

    lanes = Lanes()

    async def decide_batch(lane: Lane, records: list[Inbound]) -> None:
        await require_state()
        async with lanes.turn(lane):
            prepared = await wiring.decision_stage.prepare(records)
            positions = await publish(prepared.outputs)
            await wiring.decision_stage.commit(prepared, positions)

    async def consume(
        stream: faust.StreamT[bytes],
        stage: str,
        handle: Callable[[list[Inbound]], Awaitable[None]],
        lane: Lanes | None = None,
    ) -> None:
        """Batches of records, each handled to the end before the stream may ack it;
        ``lane``: the lanes that count these records while they wait."""
        taken = lane.taken if lane is not None else None
        async for events in agent_batches(
            stream, settings.batch_size, settings.batch_within_s, taken
        ):
            records = [_inbound(event) for event in events]
            try:
                await finish_before_ack(
                    with_retries(stage, partial(handle, records), wiring.metrics),
                    SHUTDOWN_GRACE_S,
                )
            finally:
                if lane is not None:
                    lane.decided(len(records))

    async def dispatch_batch(records: list[Inbound]) -> None:
        # Contacts are independent (the ledger serialises each contact id), so
        # a batch is sent concurrently; its delivery events go out together.
        await require_state()
        results = await asyncio.gather(*(wiring.dispatch_stage.handle(r) for r in records))
        await publish([out for result in results for out in result])

    def decide_agent(name: str, inputs: tuple[str, ...], lane: Lane) -> None:
        """A decide agent over ``inputs`` taking ``lane``'s turns; the urgent lane's
        records are counted, so a bulk batch knows when one waits."""

        async def decide(stream: faust.StreamT[bytes]) -> None:
            counted = lanes if lane == "urgent" and settings.urgent_lane else None
            if counted is not None:
                counted.watch(queued(stream))
            await consume(stream, "decide", partial(decide_batch, lane), counted)

        app.agent(app.topic(*inputs, **raw), name=name)(decide)

    if settings.urgent_lane:
        decide_agent("decide", topics.bulk_inputs, "bulk")
        decide_agent("decide-urgent", topics.urgent_inputs, "urgent")
    else:
        # One agent, inputs in arrival order (the benchmark's baseline).
        decide_agent("decide", topics.decision_inputs, "urgent")

    @app.agent(contacts, name="dispatch")
    async def dispatch(stream: faust.StreamT[bytes]) -> None:
        await consume(stream, "dispatch", dispatch_batch)

    async def release_due() -> None:
        await require_state()
        released = await wiring.timer.claim()
        await publish(released.outputs)
        await wiring.timer.settle(released)

    @app.timer(settings.schedule_tick_s)
    async def schedule_timer() -> None:
        await with_retries("schedule", release_due, wiring.metrics)

    if wiring.outbound is not None and wiring.webhooks is not None:
        # Its own agent, writing only to Redis; the delivery loop is its own task:
        # an endpoint that is slow or down never holds a decision (channels.outbound).
        fan_out, webhooks = wiring.outbound, wiring.webhooks
        feeds = app.topic(*fan_out.topics, **raw)

        async def queue_webhooks(records: list[Inbound]) -> None:
            await fan_out.handle((r.topic, r.value) for r in records)

        @app.agent(feeds, name="outbound-webhooks")
        async def outbound(stream: faust.StreamT[bytes]) -> None:
            await consume(stream, "outbound", queue_webhooks)

        @app.task
        async def deliver_webhooks() -> None:
            await webhooks.run(settings.schedule_tick_s)

    @app.task
    async def declare_topics() -> None:
        for topic in outputs.values():
            await topic.maybe_declare()

    return app


def _inbound(event: faust.EventT) -> Inbound:
    message = event.message
    return Inbound(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value or b"",
        timestamp=message.timestamp,
    )
