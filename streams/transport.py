"""Faust's Kafka transport with a configurable consumer fetch wait, urgent
partitions handed out first, and a quiet livelock detector.

Faust fixes ``fetch_max_wait_ms`` at 1500. Kafka answers a fetch as soon as
data arrives, so that only bounds idle polling; the tansu dev broker instead
holds the fetch for most of the wait, which turned into ~0.5 s of latency per
hop in our measurements (bench/README.md). Dev, demo and tests lower it.

It also keeps Faust's livelock detector from crying wolf. Every few commit
intervals Faust checks each partition and logs ERROR "Has not committed %r
(last commit N minutes ago)" when the broker's high-water mark is past the
fetch position and the partition's *last commit* is older than
``broker_commit_livelock_soft_timeout`` (5 min; faust/transport/drivers/
aiokafka.py, ``verify_event_path``). That clock only moves when a commit
happens, and an idle partition has nothing to commit: after an idle spell
the first records find a stale clock, and every check until the next commit
lands logs the error. A partition whose every read record is committed is
as good as committed now; one with uncommitted reads still ages and alerts.

Urgent first (issue 28): the Kafka client hands out buffered records partition
by partition in the order they were fetched, so under a flood a payment's
partition waited behind every snapshot partition's buffer (seconds). Each
hand-out now first takes what the urgent topics (``Topics.urgent_inputs``) have
buffered, and only when they have nothing the rest, as before.

Records handed over without tasks (issue 28): Faust's drain loop hands each
fetched record to the streams as ``wait_first(callback(message),
suspend_flow.wait())``, which makes four tasks per record (the hand-over, the
suspension, the consumer's stop and crash) and cancels three: ~90 µs of CPU
per record, against a hand-over that almost never waits. With none of those
events set, the hand-over's first step runs in the drain loop
(``foundation.eager``); only one that waits (a full queue, flow control,
the producer's buffer) is raced as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping, Set
from typing import Any, Protocol

import faust
from faust.transport.drivers import aiokafka as faust_kafka
from faust.types import TP
from mode.services import WaitResults

from recaudo.foundation.eager import first_step


class _Offsets(Protocol):
    _read_offset: Any
    _committed_offset: Any


def refresh_idle_commit(
    consumer: _Offsets, last_committed_at: MutableMapping[Any, float], now: float, tp: Any
) -> None:
    """Nothing read past the committed offset: count the partition as committed ``now``."""
    read = consumer._read_offset.get(tp)
    committed = consumer._committed_offset.get(tp)
    if read is None or (committed is not None and committed > read):
        last_committed_at[tp] = now


def urgent_only(active: Set[TP] | None, urgent_topics: frozenset[str]) -> set[TP]:
    """The active partitions of the urgent topics (none when every partition is active)."""
    if not active or not urgent_topics:
        return set()
    return {tp for tp in active if tp.topic in urgent_topics}


def waits_for(coro: object, event: asyncio.Event) -> bool:
    """Whether ``coro`` is ``event.wait()``, not yet started."""
    code = getattr(coro, "cr_code", None)
    frame = getattr(coro, "cr_frame", None)
    return (
        code is asyncio.Event.wait.__code__
        and frame is not None
        and frame.f_locals.get("self") is event
    )


def app_class(
    fetch_max_wait_ms: int, urgent_topics: frozenset[str] = frozenset()
) -> type[faust.App]:
    class ConsumerThread(faust_kafka.AIOKafkaConsumerThread):
        async def _fetch_records(
            self,
            consumer: Any,
            active_partitions: set[TP],
            timeout: float | None = None,  # noqa: ASYNC109 - the overridden signature
            max_records: int | None = None,
        ) -> Any:
            urgent = urgent_only(active_partitions, urgent_topics)
            if urgent:
                # What is already buffered for them, without waiting.
                records = await super()._fetch_records(
                    consumer, urgent, timeout=0, max_records=max_records
                )
                if records:
                    return records
            return await super()._fetch_records(
                consumer, active_partitions, timeout=timeout, max_records=max_records
            )

        def verify_event_path(self, now: float, tp: Any) -> None:
            refresh_idle_commit(self.consumer, self.tp_last_committed_at, now, tp)
            super().verify_event_path(now, tp)

        def _create_worker_consumer(self, transport: Any) -> Any:
            consumer = super()._create_worker_consumer(transport)
            # Read by AIOKafkaConsumer.start() when it builds its fetcher.
            consumer._fetch_max_wait_ms = fetch_max_wait_ms
            return consumer

    class LowLatencyConsumer(faust_kafka.Consumer):
        def _new_consumer_thread(self) -> ConsumerThread:
            return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

        async def wait_first(
            self,
            *coros: Any,
            timeout: Any = None,  # noqa: ASYNC109 - the overridden signature
        ) -> WaitResults:
            if (
                len(coros) == 2
                and asyncio.iscoroutine(coros[0])
                and waits_for(coros[1], self.suspend_flow)
                and not (
                    self.suspend_flow.is_set() or self._stopped.is_set() or self._crashed.is_set()
                )
            ):
                # A record's hand-over (the drain loop's race): its first step here.
                try:
                    step = first_step(coros[0])
                except BaseException:
                    coros[1].close()  # raised before waiting: as Faust's race would
                    raise
                if step.done:
                    coros[1].close()
                    return WaitResults([coros[0]], [step.value], False)
                coros = (step.rest, coros[1])
            return await super().wait_first(*coros, timeout=timeout)

    class Transport(faust_kafka.Transport):
        Consumer = LowLatencyConsumer

    class App(faust.App):
        def _new_transport(self) -> Any:
            return Transport(self.conf.broker_consumer, self)

    return App
