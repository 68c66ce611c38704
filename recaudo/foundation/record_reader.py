"""Records of one topic read back by position: what a Redis pointer names.

Redis keeps where a record is (partition, offset), not a second copy of it
(``streams.timeline``). One consumer, outside any group, with every partition
assigned and paused: an idle reader fetches nothing. A read resumes one
partition at a time, seeks, takes the first record and pauses it again, under
a lock, since a consumer has one position per partition. A position the
topic no longer holds (retention, or a topic made anew) is simply not in the
answer, and one past a partition's reported end is looked for only briefly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from recaudo.foundation.kafka import bootstrap_servers, started

Position = tuple[int, int]
#: How long a position past the reported end is looked for.
PAST_END_WAIT_MS = 300


class RecordReader:
    def __init__(
        self,
        broker_url: str,
        topic: str,
        options: Mapping[str, Any] | None = None,
        timeout_s: float = 2.0,
        budget_s: float = 5.0,
    ) -> None:
        self._servers = bootstrap_servers(broker_url)
        self._topic = topic
        self._options = dict(options or {})
        self._timeout_ms = int(timeout_s * 1000)
        self._budget_s = budget_s
        self._consumer: AIOKafkaConsumer | None = None
        self._assigned: set[int] = set()
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        # Made here, not in __init__: aiokafka binds to the running loop.
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._servers,
            group_id=None,
            enable_auto_commit=False,
            # A position before the log start was deleted: the first record
            # fetched then has a later offset, and is not taken for it.
            auto_offset_reset="earliest",
            # One decision is a few kB: a fetch need not bring a megabyte.
            max_partition_fetch_bytes=64 * 1024,
            **self._options,
        )
        await started(consumer)
        self._consumer = consumer

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def read(self, positions: Iterable[Position]) -> dict[Position, bytes]:
        """The value at each position the topic still holds.

        Raises ``TimeoutError`` past ``budget_s`` (the broker unreachable): the
        caller answers "retry later" rather than hold a request for minutes.
        """
        wanted = sorted(set(positions))
        if not wanted:
            return {}
        consumer = self._consumer
        if consumer is None:
            raise RuntimeError("RecordReader.read before start()")
        out: dict[Position, bytes] = {}
        async with asyncio.timeout(self._budget_s), self._lock:
            self._assign(consumer, {p for p, _ in wanted})
            tps = {p: TopicPartition(self._topic, p) for p, _ in wanted}
            ends = await consumer.end_offsets(list(tps.values()))
            for partition, offset in wanted:
                tp = tps[partition]
                # A pointer is written only once the broker acked its record, so one
                # at or past the reported end is most likely a broker that reports
                # its end short (the tests' tansu said 1 for a partition of 4
                # records): it is looked for, briefly, rather than skipped.
                wait_ms = self._timeout_ms if offset < ends.get(tp, 0) else PAST_END_WAIT_MS
                consumer.resume(tp)
                try:
                    consumer.seek(tp, offset)
                    value = await self._take(consumer, tp, offset, wait_ms)
                finally:
                    consumer.pause(tp)
                if value is not None:
                    out[(partition, offset)] = value
        return out

    @staticmethod
    async def _take(
        consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int, wait_ms: int
    ) -> bytes | None:
        # A fetch may still hand back what was buffered before the seek, or a
        # batch that starts before the offset: read on until the offset is passed.
        while True:
            got = await consumer.getmany(tp, timeout_ms=wait_ms, max_records=1)
            records = got.get(tp, [])
            if not records:
                return None
            for record in records:
                if record.offset == offset:
                    return record.value
                if record.offset > offset:
                    return None  # deleted (retention): a later record came first

    def _assign(self, consumer: AIOKafkaConsumer, partitions: set[int]) -> None:
        if partitions <= self._assigned:
            return
        self._assigned |= partitions
        every = [TopicPartition(self._topic, p) for p in sorted(self._assigned)]
        consumer.assign(every)
        consumer.pause(*every)
