"""A worker killed with SIGKILL mid-stream loses no decision and sends no contact twice."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest

from recaudo.channels.dispatch.ledger import ContactLedger
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_client import connect
from tests.conftest import SettingsFactory
from tests.integration.harness import Bus, Record, account_event, start_worker, zone_with_local_hour

pytestmark = pytest.mark.integration

DEBTORS = 400


async def sent_contacts(settings: Settings, keys: Keys, expected: int) -> Counter[str]:
    """Send requests the provider received, per contact id, once ``expected`` arrived."""
    client = connect(settings)
    sent_key = keys.global_("recording:sent")
    deadline = time.monotonic() + 30
    try:
        while await client.llen(sent_key) < expected and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        raw = await client.lrange(sent_key, 0, -1)
    finally:
        await client.aclose()
    return Counter(orjson.loads(item)["contact_id"] for item in raw)


@pytest.mark.parametrize("store", ["redis", "redis-cluster"])
async def test_sigkill_mid_stream_loses_no_decision_and_sends_nothing_twice(
    make_settings: SettingsFactory,
    tmp_path: Path,
    unique: str,
    store: str,
    request: pytest.FixtureRequest,
) -> None:
    settings = make_settings()
    if store == "redis-cluster":
        cluster_url = request.getfixturevalue("redis_cluster").url
        settings = settings.model_copy(update={"redis_url": cluster_url})
    zone = zone_with_local_hour(range(10, 19))
    debtors = [f"k{i:04d}" for i in range(DEBTORS)]
    worker_a = await start_worker(settings, tmp_path / "a.log")
    async with Bus(settings) as bus:

        async def trickle(batch: list[str]) -> None:
            for i, debtor in enumerate(batch):
                await bus.send(account_event(debtor, timezone=zone, event_id=f"acct-{debtor}"))
                if i % 20 == 19:
                    await asyncio.sleep(0.1)

        # The second half goes only after the kill, so the kill lands mid-stream
        # however fast or slow the machine is.
        half = DEBTORS // 2
        producing = asyncio.create_task(trickle(debtors[:half]))

        def contacts(records: list[Record]) -> set[str]:
            return {r["debtor_id"] for r in records if r.get("action") == "contact"}

        await bus.collect((bus.topics.decisions,), lambda rs: len(contacts(rs)) >= DEBTORS // 4)
        worker_a.kill()
        worker_b = await start_worker(settings, tmp_path / "b.log")
        await producing
        await trickle(debtors[half:])
        records = await bus.collect(
            (bus.topics.decisions,), lambda rs: len(contacts(rs)) == DEBTORS, timeout_s=60
        )
        sent = await sent_contacts(settings, Keys(unique), DEBTORS)
        assert worker_b.stop() == 0, worker_b.tail()

    decisions = [r for r in records if r["action"] == "contact"]
    assert contacts(decisions) == set(debtors)
    contact_ids: dict[str, set[str]] = {d["debtor_id"]: set() for d in decisions}
    for d in decisions:
        contact_ids[d["debtor_id"]].add(d["contact_id"])
    assert all(len(ids) == 1 for ids in contact_ids.values()), "a replay must reuse contact ids"
    expected = {next(iter(ids)) for ids in contact_ids.values()}
    by_contact = {next(iter(ids)): debtor for debtor, ids in contact_ids.items()}
    assert max(sent.values()) == 1, f"sent twice: {[c for c, n in sent.items() if n > 1]}"
    # This provider has no idempotency key, so a send the kill left in doubt is not
    # repeated: it stays "sending" in the ledger, accounted for, never silently lost.
    client = connect(settings)
    try:
        ledger = ContactLedger(client, Keys(unique), settings.contact_ttl_s)
        missing = expected - set(sent)
        statuses = {await ledger.status("acme", by_contact[cid], cid) for cid in missing}
    finally:
        await client.aclose()
    assert statuses <= {"sending"}, statuses
    assert len(missing) <= settings.batch_size, "only the batch in flight can be in doubt"
