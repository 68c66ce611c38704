"""Broker plumbing outside Faust: topic creation and an acknowledged publisher."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError


def bootstrap_servers(broker_url: str) -> str:
    """Faust's ``kafka://h1:9092;h2:9092`` as Kafka clients want it."""
    hosts = broker_url.split("://", 1)[-1]
    return ",".join(h for h in hosts.replace(";", ",").split(",") if h)


async def ensure_topics(broker_url: str, names: Iterable[str], partitions: int) -> None:
    """Create missing topics with the partition count co-partitioning relies on."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers(broker_url))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name=name, num_partitions=partitions, replication_factor=1)
            for name in names
            if name not in existing
        ]
        if wanted:
            # Another process may create them first: that is success too.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
    finally:
        await admin.close()


class KafkaPublisher:
    """``publish`` returns once the broker acknowledged the record (acks=all)."""

    def __init__(self, broker_url: str) -> None:
        self._servers = bootstrap_servers(broker_url)
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        # Made here, not in __init__: aiokafka binds to the running loop.
        self._producer = AIOKafkaProducer(bootstrap_servers=self._servers, acks="all", linger_ms=2)
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def publish(self, topic: str, key: str, value: bytes) -> None:
        if self._producer is None:
            raise RuntimeError("KafkaPublisher.publish before start()")
        await self._producer.send_and_wait(topic, value=value, key=key.encode())

    async def connected(self) -> bool:
        """The producer knows at least one live broker from its last metadata."""
        return self._producer is not None and bool(self._producer.client.cluster.brokers())
