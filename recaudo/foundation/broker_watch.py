"""Notices a broker that came back empty (a memory-backed or wiped Kafka).

Such a broker answers metadata requests and looks healthy, yet has lost every
topic and offset: intake accepted now would be published into topics the
workers no longer read at the offsets they expect. At a deployment's first
start one record is written to a marker topic, and Redis remembers that it
was; when the marker topic later has no records, the broker lost its data:
readiness is false, ``recaudo_broker_data_lost`` is 1, intake answers 503, and
one error line is logged per check interval.

The periodic check alone leaves a window (up to one interval) in which intake
is acknowledged into the empty broker. ``confirm`` closes it: web asks it after
each produce was acknowledged, and answers 202 only when the marker is still
there, so the produce went to the broker as it was before any restart.

Only an answer decides: a marker topic the broker lists with no records, or no
longer lists at all. A request that fails (a leader election, a timeout, a
broker briefly away) is inconclusive and leaves the verdict as it was, with one
warning per check interval saying how many checks in a row were inconclusive:
a hiccup is not reported as lost data, nor a lost broker as recovered.
"""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Gauge

from recaudo.foundation.config import Settings
from recaudo.foundation.errors import RecaudoError
from recaudo.foundation.kafka import bootstrap_servers
from recaudo.foundation.kafka_security import client_options, ensure_settings_topics
from recaudo.foundation.keys import Keys

log = logging.getLogger(__name__)
CHECK_TIMEOUT_S = 10.0
CONFIRM_TIMEOUT_S = 5.0


class BrokerWatch:
    def __init__(
        self,
        settings: Settings,
        client: aioredis.Redis,
        keys: Keys,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self._settings = settings
        self._redis = client
        self._key = keys.global_("broker-marker")
        self.topic = settings.topic("recaudo-marker")
        self.ok = False  # not ready (nor taking events) until the first check
        self._lost = Gauge(
            "recaudo_broker_data_lost",
            "1 while the broker lacks the marker record it had: it restarted empty.",
            registry=registry,
        )
        # One long-lived consumer for ``confirm``: a ListOffsets round trip on
        # cached metadata, no connection set up per request.
        self._probe: AIOKafkaConsumer | None = None
        self._probe_lock = asyncio.Lock()
        self.inconclusive = 0  # periodic checks in a row that got no answer

    async def ready(self) -> bool:
        return self.ok

    async def check(self) -> bool:
        """The verdict, from the broker's answer; raises (and changes nothing) without one."""
        if await self._records() > 0:
            self.ok = True
        elif not await self._redis.exists(self._key):
            await self._write_marker()  # first start of this deployment
            self.ok = True
        else:
            self.ok = False
        self._lost.set(0 if self.ok else 1)
        return self.ok

    async def confirm(self) -> bool | None:
        """After a produce was acknowledged: is the marker still on the broker?

        True: nothing restarted empty before the check, so what was produced
        before it is stored. False: the marker is gone (the watch turns not ok
        at once, without waiting for the next interval). None: inconclusive,
        the broker did not answer in ``CONFIRM_TIMEOUT_S``.
        """
        try:
            present = await asyncio.wait_for(self._probe_end_offset(), CONFIRM_TIMEOUT_S) > 0
        except (KafkaError, OSError, TimeoutError):
            return None
        if not present and self.ok:
            self.ok = False
            self._lost.set(1)
            log.error(
                "the broker has lost its data (marker topic %s is empty) after a produce "
                "was acknowledged: intake refused until topics and data are restored",
                self.topic,
            )
        return present

    async def close(self) -> None:
        if self._probe is not None:
            await self._probe.stop()
            self._probe = None

    async def _probe_end_offset(self) -> int:
        async with self._probe_lock:
            if self._probe is None:
                probe = AIOKafkaConsumer(
                    bootstrap_servers=bootstrap_servers(self._settings.broker_url),
                    group_id=None,
                    request_timeout_ms=int(CONFIRM_TIMEOUT_S * 1000),
                    **client_options(self._settings),
                )
                try:
                    await probe.start()
                except BaseException:
                    await probe.stop()
                    raise
                self._probe = probe
        tp = TopicPartition(self.topic, 0)
        return int((await self._probe.end_offsets([tp]))[tp])

    async def run(self) -> None:
        """Check every ``broker_check_interval_s``; one error line per failed check."""
        while True:
            await asyncio.sleep(self._settings.broker_check_interval_s)
            await self.check_once()

    async def check_once(self) -> None:
        """A check that logs instead of raising (run at start, then by ``run``)."""
        try:
            ok = await asyncio.wait_for(self.check(), CHECK_TIMEOUT_S)
        except (KafkaError, OSError, aioredis.RedisError, RecaudoError, TimeoutError) as exc:
            # Inconclusive (the broker or Redis is down: their own checks say so).
            # Called once per interval, so this is one line per interval.
            self.inconclusive += 1
            log.warning(
                "broker data check inconclusive (%d in a row), verdict kept (broker_data=%s): %r",
                self.inconclusive,
                self.ok,
                exc,
            )
            return
        self.inconclusive = 0
        if not ok:
            log.error(
                "the broker has lost its data (marker topic %s is empty): it "
                "restarted empty; intake refused until topics and data are restored",
                self.topic,
            )

    async def _records(self) -> int:
        """Records in the marker partition; raises ``KafkaError`` when the broker
        did not say (never 0 for "no answer": that would read as lost data)."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers(self._settings.broker_url),
            group_id=None,
            request_timeout_ms=5000,
            **client_options(self._settings),
        )
        try:  # start inside: a cancelled start must still close the consumer
            await consumer.start()
            tp = TopicPartition(self.topic, 0)
            try:
                return int((await consumer.end_offsets([tp]))[tp])
            except KafkaError:
                # aiokafka retries a partition it has no leader for until its
                # timeout: a topic gone (a broker without auto-create) and a slow
                # broker both end here. Fresh metadata tells them apart.
                if self.topic not in await consumer.topics():
                    return 0
                raise
        finally:
            await consumer.stop()

    async def _write_marker(self) -> None:
        await ensure_settings_topics(
            self._settings.model_copy(update={"topic_partitions": 1}), [self.topic]
        )
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers(self._settings.broker_url),
            acks="all",
            **client_options(self._settings),
        )
        try:  # start inside, as in _records: a cancelled start must still close it
            await producer.start()
            # Partition 0, where it is looked for: the topic may have been
            # auto-created (by a metadata request) with more partitions.
            await producer.send_and_wait(self.topic, b"recaudo deployment marker", partition=0)
        finally:
            await producer.stop()
        await self._redis.set(self._key, b"1")
