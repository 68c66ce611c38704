"""Helpers for tests that run real worker and web processes against the real broker."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from aiokafka import AIOKafkaConsumer
from prometheus_client import CollectorRegistry

from recaudo import processes
from recaudo.channels.dispatch.runtime import WorkerDispatcher
from recaudo.contracts.ports import Learner
from recaudo.contracts.topics import Topics
from recaudo.embedded import redis_server_binary, wait_for_port
from recaudo.foundation.config import Settings
from recaudo.foundation.kafka import KafkaPublisher, bootstrap_servers, ensure_topics
from recaudo.processes import Process
from recaudo.streams.wiring import Wiring, build_wiring

Record = dict[str, Any]


async def start_worker(settings: Settings, log: Path) -> Process:
    return await processes.start_worker(
        settings, log, os.environ.get("RECAUDO_TEST_LOGLEVEL", "warning")
    )


class Bus:
    """Publish input events and read output topics from the beginning."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.topics = Topics(settings.topic_prefix)
        self.publisher = KafkaPublisher(settings.broker_url)
        self.worker: Process | None = None

    async def __aenter__(self) -> Bus:
        await ensure_topics(self.settings.broker_url, self.topics.all, 4)
        await self.publisher.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.publisher.stop()

    async def send(self, event: Record) -> None:
        topic = self.topics.name(
            {
                "account": "accounts",
                "payment": "payments",
                "delivery": "deliveries",
                "response": "responses",
            }[event["type"]]
        )
        await self.publisher.publish(topic, event["debtor_id"], orjson.dumps(event))

    async def send_raw(self, topic: str, key: str, value: bytes) -> None:
        await self.publisher.publish(topic, key, value)

    async def collect(
        self,
        topics: Iterable[str],
        until: Callable[[list[Record]], bool],
        timeout_s: float = 30.0,
    ) -> list[Record]:
        """Every record of ``topics`` (with ``_topic``) once ``until`` holds, else fail."""
        consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap_servers(self.settings.broker_url),
            auto_offset_reset="earliest",
            group_id=None,
            fetch_max_wait_ms=20,
        )
        records: list[Record] = []
        try:  # start inside: a start cut short must still close the consumer
            await consumer.start()
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=200)
                for tp, messages in batch.items():
                    for message in messages:
                        record = orjson.loads(message.value)
                        record["_topic"] = tp.topic
                        records.append(record)
                if until(records):
                    return records
        finally:
            await consumer.stop()
        raise AssertionError(f"condition not met in {timeout_s} s; got {len(records)} records")


def zone_with_local_hour(hours: range, at: dt.datetime | None = None) -> str:
    """A fixed-offset IANA zone whose local hour right now falls in ``hours``."""
    at = at or dt.datetime.now(dt.UTC)
    for offset in range(-12, 15):
        name = f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"
        if at.astimezone(ZoneInfo(name)).hour in hours:
            return name
    raise AssertionError("no zone found")


def account_event(
    debtor_id: str,
    *,
    event_id: str | None = None,
    tenant_id: str = "acme",
    timezone: str = "UTC",
    days_past_due: int = 21,
    due_minor: int = 10_000,
    flags: Record | None = None,
    status: str = "delinquent",
    channels: Iterable[str] = ("sms", "email"),
) -> Record:
    now = dt.datetime.now(dt.UTC)
    return {
        "type": "account",
        "event_id": event_id or f"acct-{debtor_id}-{time.monotonic_ns()}",
        "tenant_id": tenant_id,
        "occurred_at": now.isoformat(),
        "debtor_id": debtor_id,
        "account_id": f"A-{debtor_id}",
        "balance": {"amount_minor": due_minor * 5, "currency": "USD"},
        "amount_due": {"amount_minor": due_minor, "currency": "USD"},
        "due_date": (now.date() - dt.timedelta(days=days_past_due)).isoformat(),
        "days_past_due": days_past_due,
        "status": status,
        "product": "card",
        "jurisdiction": "US",
        "timezone": timezone,
        "language": "en",
        "contact_points": [
            {"channel": ch, "address": address_for(ch, debtor_id), "consent": True}
            for ch in channels
        ],
        "flags": flags or {},
    }


def address_for(channel: str, debtor_id: str) -> str:
    """A valid, per-debtor address (input is validated: E.164 phones, real e-mail syntax)."""
    if channel == "email":
        return f"{debtor_id}@example.com"
    h = int.from_bytes(hashlib.sha256(debtor_id.encode()).digest()[:8], "big")
    exchange = 200 + h % 800
    exchange += 1 if exchange % 100 == 11 else 0  # N11 codes are not exchanges
    return f"+1212{exchange:03d}{(h // 800) % 10000:04d}"


def payment_event(debtor_id: str, amount_minor: int, payment_id: str) -> Record:
    now = dt.datetime.now(dt.UTC).isoformat()
    return {
        "type": "payment",
        "event_id": f"pay-{payment_id}",
        "tenant_id": "acme",
        "occurred_at": now,
        "debtor_id": debtor_id,
        "payment_id": payment_id,
        "account_id": f"A-{debtor_id}",
        "amount": {"amount_minor": amount_minor, "currency": "USD"},
        "method": "card",
        "paid_at": now,
    }


def dry_run_wiring(settings: Settings, learner: Learner | None = None) -> Wiring:
    """The worker's parts in-process, sending nothing (the recording provider)."""
    return build_wiring(
        settings,
        registry=CollectorRegistry(),
        dispatcher_factory=lambda client, keys, ledger: WorkerDispatcher(
            client,
            keys,
            ledger,
            credentials=None,
            provider_base_url=None,
            webhook_base_url="http://127.0.0.1",
            ttl_s=60,
        ),
        learner=learner,
    )


def redis_with_aof(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """A Redis server on ``port`` whose append-only file in ``workdir`` (fsync on
    every write) survives a kill: started again on the same port and folder,
    it comes back with its data, as a production Redis with AOF does."""
    proc = subprocess.Popen(
        [
            redis_server_binary(),
            *("--bind", "127.0.0.1", "--port", str(port), "--dir", str(workdir)),
            *("--save", "", "--appendonly", "yes", "--appendfsync", "always"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port, 10, proc)
    return proc
