"""Faults tried by hand in review, as tests: a worker SIGKILLed during a burst of
payments, and Redis restarted mid-run. Each asserts that no decision is lost (every
event applied exactly once) and no contact is sent twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import orjson
import pytest
import redis.asyncio as aioredis

from recaudo.embedded import free_port
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.streams.store import StateStore
from tests.conftest import SettingsFactory
from tests.integration.harness import (
    Bus,
    Record,
    account_event,
    payment_event,
    redis_with_aof,
    start_worker,
    zone_with_local_hour,
)

pytestmark = pytest.mark.integration

DEBTORS = 60
PAYMENTS = 5  # each 1,000 of a 10,000 due: partial, so every one must be applied once


def contacts(records: list[Record]) -> set[str]:
    return {r["debtor_id"] for r in records if r.get("action") == "contact"}


async def sent_twice(settings: Settings) -> list[str]:
    client = aioredis.Redis.from_url(settings.redis_url)
    try:
        raw = await client.lrange(Keys(settings.redis_prefix).global_("recording:sent"), 0, -1)
    finally:
        await client.aclose()
    counts = Counter(orjson.loads(item)["contact_id"] for item in raw)
    return [cid for cid, n in counts.items() if n > 1]


async def dues(settings: Settings, debtors: list[str]) -> dict[str, int]:
    client = aioredis.Redis.from_url(settings.redis_url)
    try:
        store = StateStore(client, Keys(settings.redis_prefix), settings.dedupe_ttl_s)
        loaded = await store.load((("acme", d), []) for d in debtors)
    finally:
        await client.aclose()
    return {d: loaded[("acme", d)].state.accounts[f"A-{d}"].due for d in debtors}


async def test_sigkill_during_a_burst_of_payments(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    settings = make_settings()
    zone = zone_with_local_hour(range(10, 19))
    debtors = [f"p{i:03d}" for i in range(DEBTORS)]
    worker = await start_worker(settings, tmp_path / "a.log")
    async with Bus(settings) as bus:
        for d in debtors:
            await bus.send(account_event(d, timezone=zone, event_id=f"acct-{d}"))
        await bus.collect((bus.topics.decisions,), lambda rs: len(contacts(rs)) == DEBTORS)

        async def burst() -> None:
            for k in range(PAYMENTS):
                for d in debtors:
                    await bus.send(payment_event(d, 1_000, f"{d}-{k}"))
                await asyncio.sleep(0.2)

        paying = asyncio.create_task(burst())
        await asyncio.sleep(0.3)
        worker.kill()
        assert not paying.done(), "the kill must land mid-burst"
        worker = await start_worker(settings, tmp_path / "b.log")
        await paying
        expected = {d: 10_000 - PAYMENTS * 1_000 for d in debtors}
        for _ in range(150):
            if await dues(settings, debtors) == expected:
                break
            await asyncio.sleep(0.2)
        assert worker.stop() == 0, worker.tail()
    assert await dues(settings, debtors) == expected, "a payment was lost or applied twice"
    assert await sent_twice(settings) == []


async def test_redis_restarted_mid_run(make_settings: SettingsFactory, tmp_path: Path) -> None:
    port = free_port()
    server = redis_with_aof(port, tmp_path)
    settings = make_settings().model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
    zone = zone_with_local_hour(range(10, 19))
    debtors = [f"r{i:03d}" for i in range(DEBTORS * 2)]
    worker = await start_worker(settings, tmp_path / "w.log")
    try:
        async with Bus(settings) as bus:

            async def trickle() -> None:
                for i, d in enumerate(debtors):
                    await bus.send(account_event(d, timezone=zone, event_id=f"acct-{d}"))
                    if i % 10 == 9:
                        await asyncio.sleep(0.1)

            producing = asyncio.create_task(trickle())
            await bus.collect((bus.topics.decisions,), lambda rs: len(contacts(rs)) >= 10)
            server.terminate()  # a clean restart: the append-only file keeps the data
            server.wait(10)
            assert not producing.done(), "the restart must land mid-stream"
            await asyncio.sleep(0.5)
            server = redis_with_aof(port, tmp_path)
            await producing
            records = await bus.collect(
                (bus.topics.decisions,), lambda rs: len(contacts(rs)) == len(debtors), 60
            )
            assert worker.stop() == 0, worker.tail()
        decided = [r for r in records if r.get("action") == "contact"]
        per_debtor = Counter(r["debtor_id"] for r in decided)
        ids = {r["contact_id"] for r in decided}
        assert set(per_debtor) == set(debtors), "no decision lost"
        assert len(ids) == len(debtors), "a replay reuses its contact id"
        assert await sent_twice(settings) == []
    finally:
        worker.kill()
        server.terminate()
        server.wait(10)
