"""The report's Redis side: the tenant scan and its cache (replays: test_report_replay.py)."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from recaudo.contracts.state import OutcomeSummary
from recaudo.foundation.keys import Keys
from recaudo.streams.reports.source import ReportSource, scan_summaries
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change, StateStore

pytestmark = pytest.mark.integration


def enrolled(arm: str, rec: int = 0) -> DebtorState:
    return DebtorState(out=OutcomeSummary(arm=arm, strat="exp", cur="USD", owed=1000, rec=rec))


async def put(store: StateStore, tenant: str, debtor: str, state: DebtorState) -> None:
    await store.commit([Change((tenant, debtor), state, [], [])], now=1.0)


async def test_scan_reads_one_tenant_only(
    client: aioredis.Redis, store: StateStore, unique: str
) -> None:
    for i in range(7):  # more than one batch of 3
        await put(store, "acme", f"a{i}", enrolled("champion", rec=i))
    await put(store, "acme", "never-owed", DebtorState())  # not enrolled: no summary
    await put(store, "acme-eu", "x1", enrolled("champion", rec=100))  # a tenant named alike
    await put(store, "globex", "a1", enrolled("holdout", rec=50))  # same debtor id elsewhere
    await client.set(Keys(unique).debtor("acme", "a1", "seen"), b"not a state")

    found = [item async for item in scan_summaries(client, Keys(unique), "acme", batch=3)]
    assert sorted(d for d, _ in found) == [f"a{i}" for i in range(7)]
    assert sum(summary.rec for _, summary in found) == sum(range(7))
    other = [item async for item in scan_summaries(client, Keys(unique), "globex")]
    assert [(d, s.arm) for d, s in other] == [("a1", "holdout")]


async def test_scan_reads_plain_json_states_of_older_releases(
    client: aioredis.Redis, store: StateStore, unique: str
) -> None:
    await put(store, "acme", "packed", enrolled("champion", rec=7))
    packed = await client.get(Keys(unique).debtor("acme", "packed", "state"))
    assert isinstance(packed, bytes)
    assert packed[:1] == b"\x02"
    await client.set(Keys(unique).debtor("acme", "plain", "state"), enrolled("holdout").to_json())
    found = [item async for item in scan_summaries(client, Keys(unique), "acme")]
    assert sorted((d, s.arm, s.rec) for d, s in found) == [
        ("packed", "champion", 7),
        ("plain", "holdout", 0),
    ]


async def test_cache_serves_one_scan_per_ttl(
    client: aioredis.Redis, store: StateStore, unique: str
) -> None:
    now = [100.0]
    source = ReportSource(client, Keys(unique), ttl_s=10, clock=lambda: now[0], wall=lambda: 5.0)
    await put(store, "acme", "d1", enrolled("champion", rec=10))
    first = await source.report("acme", ["arm"])
    await put(store, "acme", "d2", enrolled("champion", rec=20))
    assert first.debtors == 1
    assert (await source.report("acme", [])).debtors == 1  # any grouping, same cached scan
    assert (await source.report("acme", ["arm"])).debtors == 1
    now[0] += 10
    fresh = await source.report("acme", ["arm"])
    assert fresh.debtors == 2
    assert fresh.generated_at == 5.0
