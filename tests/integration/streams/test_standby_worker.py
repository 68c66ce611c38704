"""A worker given no partitions (more workers than Faust's assignor can feed)
is a standby: joined, ready, and the other worker decides every event."""

from __future__ import annotations

import uuid
from pathlib import Path

import aiohttp
import pytest

from recaudo.contracts.topics import Topics
from recaudo.foundation.kafka import ensure_topics
from tests.conftest import SettingsFactory
from tests.integration.harness import Bus, account_event, start_worker, zone_with_local_hour

pytestmark = pytest.mark.integration

DAYTIME = range(10, 19)


async def test_a_worker_without_partitions_is_ready_and_the_other_decides(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    settings = make_settings(topic_partitions=1)
    await ensure_topics(settings.broker_url, Topics(settings.topic_prefix).all, 1)
    first = await start_worker(settings, tmp_path / "first.log")
    # One partition of each topic: the second worker is given none of them.
    # start_worker returns only once /readyz answers 200 (else it raises).
    second = await start_worker(settings, tmp_path / "second.log")
    try:
        async with aiohttp.ClientSession() as http:
            for worker in (first, second):
                async with http.get(f"http://127.0.0.1:{worker.port}/readyz") as resp:
                    body = await resp.json()
                    assert resp.status == 200, body
                    assert body["checks"]["consumer"] is True
        async with Bus(settings) as bus:
            debtor = f"d-{uuid.uuid4().hex[:8]}"
            await bus.send(account_event(debtor, timezone=zone_with_local_hour(DAYTIME)))
            await bus.collect(
                (bus.topics.decisions,),
                lambda rs: any(r["debtor_id"] == debtor for r in rs),
                timeout_s=60,
            )
    finally:
        second.stop()
        first.stop()
