"""Broker plumbing outside Faust: topic creation and an acknowledged publisher."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from recaudo.foundation.errors import ConfigError


def bootstrap_servers(broker_url: str) -> str:
    """Faust's ``kafka://h1:9092;h2:9092`` as Kafka clients want it.

    A ``user:password@`` is dropped, as Faust drops it: Kafka takes credentials
    by SASL (``RECAUDO_BROKER_SASL_*``), and a client given one in a host name
    prints it in every "Unable connect to" line.
    """
    hosts = broker_url.split("://", 1)[-1].rpartition("@")[2]
    return ",".join(h for h in hosts.replace(";", ",").split(",") if h)


async def ensure_topics(
    broker_url: str,
    names: Iterable[str],
    partitions: int,
    *,
    options: Mapping[str, Any] | None = None,
    replication_factor: int = 1,
    create: bool = True,
) -> None:
    """Create missing topics with the partition count co-partitioning relies on.

    With ``create`` off (topics managed by the operator) a missing topic is a
    configuration error, reported by name instead of a worker that never reads.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers(broker_url), **(options or {}))
    try:  # start inside: a start cut short must still close what it opened
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [name for name in names if name not in existing]
        if missing and not create:
            raise ConfigError(
                f"topics missing and RECAUDO_TOPIC_ALLOW_CREATE is off: {', '.join(missing)}"
            )
        wanted = [
            NewTopic(name=name, num_partitions=partitions, replication_factor=replication_factor)
            for name in missing
        ]
        if wanted:
            # Another process may create them first: that is success too.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
    finally:
        await admin.close()


async def started(client: AIOKafkaProducer | AIOKafkaConsumer) -> None:
    """Start ``client``; a start cut short (no broker, a cancel) closes what it opened,
    or aiokafka reports the client unclosed when it is collected."""
    try:
        await client.start()
    except BaseException:
        await client.stop()
        raise


class KafkaPublisher:
    """``publish`` returns once the broker acknowledged the record (acks=all)."""

    def __init__(self, broker_url: str, options: Mapping[str, Any] | None = None) -> None:
        self._servers = bootstrap_servers(broker_url)
        self._options = dict(options or {})
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        # Made here, not in __init__: aiokafka binds to the running loop.
        producer = AIOKafkaProducer(
            bootstrap_servers=self._servers, acks="all", linger_ms=2, **self._options
        )
        await started(producer)
        self._producer = producer

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def publish(self, topic: str, key: str, value: bytes) -> None:
        if self._producer is None:
            raise RuntimeError("KafkaPublisher.publish before start()")
        await self._producer.send_and_wait(topic, value=value, key=key.encode())

    async def flush(self) -> None:
        """Until every record handed to the producer is acknowledged or has failed: a
        request answered 503 while its produce stalled leaves its records queued (a
        cancelled ``publish`` does not withdraw them), and they reach whatever broker
        answers next."""
        if self._producer is not None:
            await self._producer.flush()

    async def connected(self) -> bool:
        """The producer knows at least one live broker from its last metadata."""
        return self._producer is not None and bool(self._producer.client.cluster.brokers())
