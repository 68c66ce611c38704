"""Records read back by position from the real broker (tansu)."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaProducer

from recaudo.embedded import Managed
from recaudo.foundation.kafka import bootstrap_servers, ensure_topics
from recaudo.foundation.record_reader import RecordReader

pytestmark = pytest.mark.integration


async def test_each_position_reads_its_own_record(broker: Managed, unique: str) -> None:
    topic = f"{unique}-decisions"
    await ensure_topics(broker.url, [topic], partitions=2)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers(broker.url), acks="all")
    await producer.start()
    try:
        sent = {}
        for n in range(6):
            md = await producer.send_and_wait(topic, f"v{n}".encode(), partition=n % 2)
            sent[(md.partition, md.offset)] = f"v{n}".encode()
    finally:
        await producer.stop()
    reader = RecordReader(broker.url, topic, timeout_s=5.0)
    await reader.start()
    try:
        # Out of order, across partitions, one asked twice, one never written.
        wanted = sorted(sent, reverse=True)
        beyond = (0, 1_000)
        found = await reader.read([*wanted, wanted[0], beyond])
        assert found == sent
        # A second read seeks back: the reader keeps no position between reads.
        first = min(sent)
        assert await reader.read([first]) == {first: sent[first]}
        assert await reader.read([]) == {}
    finally:
        await reader.stop()


async def test_records_acked_in_one_batch_are_each_read(broker: Managed, unique: str) -> None:
    """The worker publishes a batch's decisions together; the broker may report the
    partition's end short of them (the tansu of these tests does): each is read."""
    topic = f"{unique}-decisions"
    await ensure_topics(broker.url, [topic], partitions=1)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers(broker.url), acks="all")
    await producer.start()
    try:
        futures = [await producer.send(topic, f"b{n}".encode(), partition=0) for n in range(4)]
        acked = [await f for f in futures]
    finally:
        await producer.stop()
    sent = {(md.partition, md.offset): f"b{n}".encode() for n, md in enumerate(acked)}
    reader = RecordReader(broker.url, topic, timeout_s=5.0)
    await reader.start()
    try:
        assert await reader.read(sorted(sent, reverse=True)) == sent
    finally:
        await reader.stop()
