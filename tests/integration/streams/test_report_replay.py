"""A batch the real decision stage processes twice (a redelivery) is counted once in the report."""

from __future__ import annotations

import time

import orjson
import pytest
import redis.asyncio as aioredis

from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.streams.baseline import PreferenceOrder
from recaudo.streams.decision_stage import Inbound
from recaudo.streams.reports import OutcomeReport, ReportSource
from recaudo.streams.wiring import Wiring
from tests.conftest import SettingsFactory
from tests.integration.harness import (
    Record,
    account_event,
    dry_run_wiring,
    payment_event,
    zone_with_local_hour,
)

pytestmark = pytest.mark.integration
DEBTORS = [f"r{i}" for i in range(12)]


def inbound(settings: Settings, topic: str, event: Record, offset: int) -> Inbound:
    return Inbound(
        topic=f"{settings.topic_prefix}{topic}",
        partition=0,
        offset=offset,
        key=str(event["debtor_id"]).encode(),
        value=orjson.dumps(event),
        timestamp=time.time(),
    )


def wiring_for(settings: Settings) -> Wiring:
    return dry_run_wiring(settings, PreferenceOrder())


async def process(wiring: Wiring, batch: list[Inbound]) -> None:
    prepared = await wiring.decision_stage.prepare(batch)
    await wiring.decision_stage.commit(prepared)


async def report(settings: Settings) -> OutcomeReport:
    client = aioredis.Redis.from_url(settings.redis_url)
    try:
        found = await ReportSource(client, Keys(settings.redis_prefix), ttl_s=0).report(
            "acme", ["arm", "channel"]
        )
    finally:
        await client.aclose()
    return found.model_copy(update={"generated_at": 0.0})


async def test_a_redelivered_batch_does_not_double_count(make_settings: SettingsFactory) -> None:
    settings = make_settings()
    # Inside the calling window whatever the hour the suite runs at.
    zone = zone_with_local_hour(range(10, 18))
    accounts = [
        inbound(settings, "accounts", account_event(d, event_id=f"acct-{d}", timezone=zone), i)
        for i, d in enumerate(DEBTORS)
    ]
    payments = [
        inbound(settings, "payments", payment_event(d, 1_000 * (i + 1), f"p-{d}"), i)
        for i, d in enumerate(DEBTORS)
    ]
    wiring = wiring_for(settings)
    try:
        await process(wiring, accounts)
        await process(wiring, payments)
        once = await report(settings)
        # The broker redelivers after a crash before the ack: same records, same ids,
        # and a restarted worker (a fresh wiring) sees them once more.
        await process(wiring, accounts + payments)
    finally:
        await wiring.close()
    restarted = wiring_for(settings)
    try:
        await process(restarted, payments)
    finally:
        await restarted.close()
    twice = await report(settings)

    assert twice == once
    assert once.debtors == len(DEBTORS)
    assert sum(g.recovered for g in once.groups) == 1_000 * sum(range(1, len(DEBTORS) + 1))
    assert sum(g.owed for g in once.groups) == 10_000 * len(DEBTORS)
    assert sum(g.contacts for g in once.groups) > 0  # contacts were counted, and not again
