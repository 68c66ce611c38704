"""Kafka security and topic settings, turned into what Faust and aiokafka take.

Faust builds its own aiokafka clients from ``broker_credentials``; our plain
aiokafka clients (topic creation, the web publisher) take the same options as
keyword arguments. Both come from here so the two can never disagree.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition

from recaudo.foundation.config import Settings
from recaudo.foundation.errors import ConfigError
from recaudo.foundation.kafka import bootstrap_servers, ensure_topics


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """A verifying TLS context for SSL and SASL_SSL, else None.

    A PEM file that cannot be read or parsed stops the start with the setting's
    name and the reason, not a traceback.
    """
    if not settings.broker_security_protocol.endswith("SSL"):
        return None
    try:
        context = ssl.create_default_context(cafile=settings.broker_ssl_cafile)
    except (OSError, ssl.SSLError) as exc:
        raise _unusable("RECAUDO_BROKER_SSL_CAFILE", exc) from None
    if settings.broker_ssl_certfile:
        try:
            # An encrypted key is refused here, not prompted for on a terminal.
            context.load_cert_chain(
                settings.broker_ssl_certfile, settings.broker_ssl_keyfile, password=b""
            )
        except (OSError, ssl.SSLError) as exc:
            names = "RECAUDO_BROKER_SSL_CERTFILE / RECAUDO_BROKER_SSL_KEYFILE"
            raise _unusable(names, exc, "a matching certificate and unencrypted key") from None
    elif settings.broker_ssl_keyfile:
        raise ConfigError("RECAUDO_BROKER_SSL_KEYFILE needs RECAUDO_BROKER_SSL_CERTFILE")
    return context


def _unusable(names: str, exc: OSError | ssl.SSLError, wanted: str = "PEM") -> ConfigError:
    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return ConfigError(f"{names}: cannot be used, {wanted} expected ({why})")


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer, AIOKafkaConsumer and the admin client."""
    protocol = settings.broker_security_protocol
    options: dict[str, Any] = {"security_protocol": protocol}
    context = ssl_context(settings)
    if context is not None:
        options["ssl_context"] = context
    if protocol.startswith("SASL"):
        options.update(
            sasl_mechanism=settings.broker_sasl_mechanism,
            sasl_plain_username=settings.broker_sasl_username,
            sasl_plain_password=settings.broker_sasl_password.get_secret_value(),
        )
    return options


def faust_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``faust.App``: data dir, credentials, topic declaration."""
    protocol = settings.broker_security_protocol
    credentials: faust.types.auth.CredentialsT | None = None
    context = ssl_context(settings)
    if protocol.startswith("SASL"):
        credentials = faust.SASLCredentials(
            username=settings.broker_sasl_username,
            password=settings.broker_sasl_password.get_secret_value(),
            mechanism=settings.broker_sasl_mechanism,
            ssl_context=context,
        )
    elif context is not None:
        credentials = faust.SSLCredentials(context)
    data_dir = {"datadir": settings.data_dir} if settings.data_dir else {}
    return {
        **data_dir,
        "broker_credentials": credentials,
        "topic_replication_factor": settings.topic_replication_factor,
        "topic_allow_declare": settings.topic_allow_create,
    }


async def ensure_settings_topics(settings: Settings, names: Iterable[str]) -> None:
    """``ensure_topics`` with this deployment's security, replication and create policy."""
    await ensure_topics(
        settings.broker_url,
        names,
        settings.topic_partitions,
        options=client_options(settings),
        replication_factor=settings.topic_replication_factor,
        create=settings.topic_allow_create,
    )


async def group_has_offsets(settings: Settings, group_id: str, topics: Iterable[str]) -> bool:
    """Whether the consumer group committed an offset on ``topics``: it has run before.

    Asked through a consumer (OffsetFetch from the group coordinator), which
    every Kafka-protocol broker we run on answers, the dev broker included.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers(settings.broker_url),
        group_id=group_id,
        enable_auto_commit=False,
        **client_options(settings),
    )
    try:  # start inside: a start cut short must still close what it opened
        await consumer.start()
        for topic in topics:
            for partition in consumer.partitions_for_topic(topic) or ():
                if await consumer.committed(TopicPartition(topic, partition)) is not None:
                    return True
        return False
    finally:
        await consumer.stop()
