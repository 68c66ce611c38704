"""What the consumer has queued for an agent, taken as one batch (issue 28, part 2).

Faust's stream iterator pays per record: a loop turn (``sleep(0)``), the
generation and flow-control checks, tracking, sensors, the current-event
context variable, the processors; ``take_events`` adds a buffering processor
run by a passive task. The stages work per batch, so this takes what the agent's
channel holds (up to ``most``) at once, with no per-record step but the checks
below.

Faust keeps what it owns: the consumer group and its rebalances, the agents'
lifecycle and the offsets. What its iterator did for them is done here per
batch:

- a record fetched under a generation since revoked, or taken while a rebalance
  has flow control suspended, is acked unhandled (Faust skips it the same way;
  after the rebalance every assigned partition is sought back to its committed
  offset, ``Consumer.perform_seek``, so whoever owns it reads the record again);
- every other record is tracked as pending (``Consumer.track_message``), so a
  rebalance waits for it (``Consumer.wait_empty``) and a clean stop drains it;
- records are acked only once their batch is handled, which is when the
  consumer may commit their offsets, and then no longer referenced (see
  ``_ack_and_release``); a batch that fails is acked as
  ``take_events`` acks it, the failure ending the agent (``finish_before_ack``
  covers shutdown: a batch unfinished in the grace exits un-acked).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import faust
from faust.types import AppT


async def agent_batches(
    stream: faust.StreamT[Any],
    most: int,
    within_s: float,
    taken: Callable[[int], None] | None = None,
) -> AsyncIterator[list[faust.EventT]]:
    """Batches of up to ``most`` events: what is queued once one is, and if that is
    fewer, what else is queued ``within_s`` later.

    The consumer queues a fetch's records one loop turn apart, so what is queued
    the moment the first arrives is often a handful; one short wait lets a busy
    consumer fill the batch, and costs an idle worker ``within_s`` of latency.

    ``taken(n)``: ``n`` records left the channel's queue for a batch, so a watcher
    of the queue's size (``streams.lanes``) still counts them until the batch is
    decided; stale records leave uncounted, as they are never decided.
    """
    queue = _channel(stream).queue
    admit = _Admission(stream.app)
    started = await stream.maybe_start()
    try:
        while not stream.should_stop:
            try:
                batch = await _take(queue, admit, most, within_s, taken)
            except StopAsyncIteration:
                # Faust's actor told to stop reading (``Actor.cancel``: a stop, an
                # isolated partition revoked) throws this into the queue; its own
                # iterator ends there too. Raised from here it would be turned
                # into a RuntimeError and the agent logged as crashed.
                return
            if not batch:
                continue
            try:
                yield batch
            finally:
                _ack_and_release(batch)
    finally:
        if started:
            await stream.stop()


async def _take(
    queue: Any,
    admit: _Admission,
    most: int,
    within_s: float,
    taken: Callable[[int], None] | None,
) -> list[faust.EventT]:
    """One batch: what is queued once one record is, then what ``within_s`` adds."""
    batch: list[faust.EventT] = []
    admit.into(batch, [await queue.get()], taken)
    admit.into(batch, _queued(queue, most - len(batch)), taken)
    if len(batch) < most and within_s > 0:
        await asyncio.sleep(within_s)
        admit.into(batch, _queued(queue, most - len(batch)), taken)
    return batch


def _ack_and_release(batch: list[faust.EventT]) -> None:
    """Ack the batch's events and drop every reference to them.

    A record that several agents read (deliveries: decide and outbound webhooks) is
    acked once each has acked it. A stop or rebalance clears the queues, so a record
    one agent handled and another had only queued stays unacked, and uncommitted,
    which is right: it is read again. The consumer tracks pending records in a weak
    set, so it waits only for the ones still referenced; holding the last batch
    (here, or in the caller's loop variable, which is this list) held a clean stop
    until it was killed."""
    for event in batch:
        event.ack()
    batch.clear()


def _queued(queue: Any, most: int) -> list[Any]:
    """Up to ``most`` of what is queued, without waiting."""
    out: list[Any] = []
    while len(out) < most and not queue.empty():
        out.append(queue.get_nowait())
    return out


class _Admission:
    """Which taken events a batch keeps: those of the consumer's current generation,
    tracked as pending; the others are acked unhandled, as Faust's iterator does."""

    def __init__(self, app: AppT) -> None:
        self._app = app
        self._consumer = app.consumer
        self._tracked_topics = app.topics.acks_enabled_for

    def into(
        self, batch: list[Any], events: list[Any], taken: Callable[[int], None] | None
    ) -> None:
        """Add the current ones of ``events`` to ``batch``; ``taken`` counts them at once,
        before any await, so a watcher never sees a record in neither place."""
        if not events:
            return
        app = self._app
        active = app.flow_control.is_active()
        generation = app.consumer_generation_id
        kept = 0
        for event in events:
            message = event.message
            if not active or message.generation_id != generation:
                event.ack()
                continue
            if not message.tracked and self._tracked_topics(message.topic):
                message.tracked = True
                self._consumer.track_message(message)
            batch.append(event)
            kept += 1
        if taken is not None and kept:
            taken(kept)


def queued(stream: faust.StreamT[Any]) -> Callable[[], int]:
    """How many records the consumer has queued for the agent, not yet taken."""
    return _channel(stream).queue.qsize


def _channel(stream: faust.StreamT[Any]) -> faust.ChannelT[Any]:
    # An agent's stream reads a channel (its topic's clone); StreamT declares any
    # async iterator.
    return cast(faust.ChannelT[Any], stream.channel)
