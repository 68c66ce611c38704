"""The broker watch's verdict comes from the broker's answers, never from its errors.

A failed request while reading the marker (a leader election, a timeout) used
to read as "0 records": a passing hiccup turned readiness false and intake to
503 ``broker_restarted`` with a "lost its data" log line. Only a marker
partition that answers empty, or a marker topic the broker no longer lists,
may say the broker restarted empty.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest
import redis.asyncio as aioredis
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from prometheus_client import CollectorRegistry

from recaudo.foundation import broker_watch
from recaudo.foundation.broker_watch import BrokerWatch
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys

LOGGER = "recaudo.foundation.broker_watch"


class FakeRedis:
    """The deployment's broker-marker key is present: the marker was written once."""

    async def exists(self, *_keys: str) -> int:
        return 1


class Broker:
    """What the fake consumers ask: end offsets and the topic list, each may fail."""

    def __init__(self) -> None:
        self.records: int | Exception = 1
        self.topics: set[str] | Exception = set()


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Broker:
    state = Broker()

    class FakeConsumer:
        def __init__(self, **_options: Any) -> None:
            pass

        async def start(self) -> None:
            pass

        async def stop(self) -> None:
            pass

        async def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
            if isinstance(state.records, Exception):
                raise state.records
            return dict.fromkeys(tps, state.records)

        async def topics(self) -> set[str]:
            if isinstance(state.topics, Exception):
                raise state.topics
            return state.topics

    monkeypatch.setattr(broker_watch, "AIOKafkaConsumer", FakeConsumer)
    return state


def lost(registry: CollectorRegistry) -> float | None:
    return registry.get_sample_value("recaudo_broker_data_lost")


async def ready_watch(broker: Broker, registry: CollectorRegistry) -> BrokerWatch:
    """A watch whose last check found the marker."""
    # No server: only exists() is asked of Redis.
    watch = BrokerWatch(Settings(), cast(aioredis.Redis, FakeRedis()), Keys("t"), registry)
    broker.records = 1
    await watch.check_once()
    assert watch.ok is True
    broker.topics = {watch.topic}
    return watch


async def test_an_error_reading_the_marker_keeps_the_verdict(
    broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    registry = CollectorRegistry()
    watch = await ready_watch(broker, registry)
    broker.records = KafkaTimeoutError("Failed to get offsets by times in 5000 ms")
    with caplog.at_level(logging.WARNING, LOGGER):
        await watch.check_once()
        await watch.check_once()
    assert watch.ok is True
    assert lost(registry) == 0
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert len(messages) == 2  # one line per check, that is per interval
    assert "inconclusive (2 in a row), verdict kept (broker_data=True)" in messages[1]
    assert not any("lost its data" in m for m in messages)
    assert watch.inconclusive == 2

    broker.records = 1
    await watch.check_once()
    assert watch.inconclusive == 0


async def test_an_error_does_not_turn_a_lost_broker_ready(broker: Broker) -> None:
    registry = CollectorRegistry()
    watch = await ready_watch(broker, registry)
    broker.records = 0
    await watch.check_once()
    assert (watch.ok, lost(registry)) == (False, 1)
    broker.records = KafkaConnectionError("Unable connect to node")
    await watch.check_once()
    assert (watch.ok, lost(registry)) == (False, 1)


async def test_a_marker_topic_the_broker_no_longer_lists_is_lost_data(broker: Broker) -> None:
    """A broker without auto-create: aiokafka times out on the unknown topic."""
    registry = CollectorRegistry()
    watch = await ready_watch(broker, registry)
    broker.records = KafkaTimeoutError("Failed to get offsets by times in 5000 ms")
    broker.topics = {"some-other-topic"}
    await watch.check_once()
    assert (watch.ok, lost(registry)) == (False, 1)


async def test_no_metadata_either_is_inconclusive(broker: Broker) -> None:
    registry = CollectorRegistry()
    watch = await ready_watch(broker, registry)
    broker.records = KafkaTimeoutError("Failed to get offsets by times in 5000 ms")
    broker.topics = KafkaConnectionError("Unable to get cluster metadata")
    await watch.check_once()
    assert (watch.ok, lost(registry)) == (True, 0)
