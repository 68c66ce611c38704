"""Redis wiped mid-run: workers pause, readiness says why, rebuild-state restores
the suppressions from Kafka, and an opted-out debtor is never contacted."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, TopicPartition

from recaudo.embedded import Managed, start_redis
from recaudo.foundation.config import Settings
from recaudo.foundation.kafka import bootstrap_servers
from recaudo.foundation.keys import Keys
from recaudo.processes import settings_env, wait_ready
from recaudo.streams.store import StateStore
from tests.conftest import SettingsFactory
from tests.integration.harness import Bus, Record, account_event, start_worker, zone_with_local_hour

pytestmark = pytest.mark.integration


@pytest.fixture
def own_redis() -> Iterator[Managed]:
    """A Redis server of this test's own, since the test wipes it."""
    managed = start_redis()
    yield managed
    managed.stop()


def opt_out(debtor_id: str, event_id: str) -> Record:
    return {
        "type": "response",
        "event_id": event_id,
        "tenant_id": "acme",
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
        "debtor_id": debtor_id,
        "channel": "sms",
        "intent": "opt_out",
        "opt_out_all": True,
    }


async def committed(settings: Settings, topics: Sequence[str]) -> int:
    """Sum of the worker group's committed offsets over ``topics``."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers(settings.broker_url), group_id=settings.app_id
    )
    await consumer.start()
    try:
        total = 0
        for topic in topics:
            for p in consumer.partitions_for_topic(topic) or ():
                total += await consumer.committed(TopicPartition(topic, p)) or 0
        return total
    finally:
        await consumer.stop()


async def until_processed(
    client: aioredis.Redis, settings: Settings, debtor_id: str, event_id: str
) -> None:
    """Once the worker's commit has marked ``event_id`` processed (up to 10 s)."""
    keys = Keys(settings.redis_prefix)
    store = StateStore(client, keys, settings.dedupe_ttl_s, clock=settings.clock())
    ref = ("acme", debtor_id)
    for _ in range(100):
        if event_id in (await store.load([(ref, [event_id])]))[ref].seen:
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"{event_id} is not marked processed 10 s after its decision")


async def probe(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as r:
        return r.status, await r.text()


async def test_wiped_redis_pauses_decisions_until_rebuilt_and_opt_out_survives(
    make_settings: SettingsFactory, own_redis: Managed, tmp_path: Path
) -> None:
    settings = make_settings().model_copy(update={"redis_url": own_redis.url})
    zone = zone_with_local_hour(range(10, 19))
    worker = await start_worker(settings, tmp_path / "worker.log")
    try:
        async with Bus(settings) as bus:
            await bus.send(account_event("opted", timezone=zone, event_id="acct-opted-1"))
            # The account and the opt-out travel on two topics: the opt-out goes
            # once the contact is decided, or it could be applied first.
            await bus.collect(
                (bus.topics.decisions,),
                lambda rs: any(r["trigger_event_id"] == "acct-opted-1" for r in rs),
            )
            await bus.send(opt_out("opted", "resp-opted-1"))
            await bus.collect(
                (bus.topics.decisions,),
                lambda rs: any(r["trigger_event_id"] == "resp-opted-1" for r in rs),
            )

            client = aioredis.Redis.from_url(own_redis.url)
            try:
                # The opt-out's decision is published before its batch's commit marks
                # the debtor's events processed (decision_stage.py, commit): a wipe
                # before that commit would see the commit land in the empty Redis.
                await until_processed(client, settings, "opted", "resp-opted-1")
                await client.flushall()  # Redis restarted without persistence
            finally:
                await client.aclose()

            status, body = await probe(worker.port, "/readyz")
            assert status == 503
            assert '"redis_state": false' in body
            assert "recaudo_redis_state_lost 1.0" in (await probe(worker.port, "/metrics"))[1]

            # Would be a contact on an empty state: the debtor is delinquent, in hours.
            await bus.send(account_event("opted", timezone=zone, event_id="acct-opted-2"))
            await bus.send(account_event("control", timezone=zone, event_id="acct-control"))
            while "decisions are paused" not in worker.log.read_text(errors="replace"):  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            # Rebuild replays what the workers committed; the paused worker's
            # commit timer still commits what it acked before the wipe.
            while await committed(settings, bus.topics.decision_inputs) < 2:  # noqa: ASYNC110
                await asyncio.sleep(0.2)

            rebuild = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "recaudo",
                "rebuild-state",
                env=settings_env(settings),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            out, _ = await rebuild.communicate()
            assert rebuild.returncode == 0, out.decode()
            # The debtor decided before the wipe; the control debtor's event is
            # held un-acked by the paused worker, so it is not replayed.
            assert re.search(rb"rebuilt 1 debtors from [2-9] records", out), out
            await wait_ready(worker.port, worker)

            # The paused account events are decided on the rebuilt state...
            processed = (
                f'recaudo_events_total{{outcome="processed",topic="{bus.topics.accounts}"}} 3.0'
            )
            while processed not in (await probe(worker.port, "/metrics"))[1]:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            records = await bus.collect(
                (bus.topics.decisions, bus.topics.contacts),
                lambda rs: any(r.get("trigger_event_id") == "acct-control" for r in rs),
            )
    finally:
        assert worker.stop() == 0, worker.tail()
    # ...the opted-out debtor's without any contact: only its one pre-wipe
    # contact command exists (cancelled by the opt-out); the control debtor has one.
    contacts = [r["debtor_id"] for r in records if r["_topic"] == bus.topics.contacts]
    assert (contacts.count("opted"), contacts.count("control")) == (1, 1), contacts
    opted_after = [r for r in records if r.get("trigger_event_id") == "acct-opted-2"]
    assert all(r["action"] != "contact" for r in opted_after), opted_after
