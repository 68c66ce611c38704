"""The report's Redis side: the tenant scan, its cache, and replays that cannot double count."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from recaudo.embedded import Managed
from recaudo.foundation.keys import Keys
from recaudo.streams.reports.source import ReportSource, scan_summaries
from recaudo.streams.state import DebtorState, OutcomeSummary
from recaudo.streams.store import Change, StateStore

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(redis_server: Managed) -> AsyncIterator[aioredis.Redis]:
    redis = aioredis.Redis.from_url(redis_server.url)
    yield redis
    await redis.aclose()


@pytest.fixture
def store(client: aioredis.Redis, unique: str) -> StateStore:
    return StateStore(client, Keys(unique), dedupe_ttl_s=3600)


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


Payment = tuple[str, str, int]  # debtor, event id, amount


async def process(store: StateStore, tenant: str, batch: list[Payment]) -> None:
    """What the decision stage does with payments, reduced to the outcome summary.

    Load state and the already-processed ids, skip those, apply the rest and
    commit state with their ids in one script: the store's contract, which the
    stage relies on and the report inherits.
    """
    by_debtor: dict[str, list[Payment]] = defaultdict(list)
    for payment in batch:
        by_debtor[payment[0]].append(payment)
    loaded = await store.load(
        [((tenant, d), [eid for _, eid, _ in items]) for d, items in by_debtor.items()]
    )
    changes = []
    for debtor, items in by_debtor.items():
        got = loaded[(tenant, debtor)]
        fresh = [p for p in items if p[1] not in got.seen]
        if not fresh:
            continue
        state = got.state
        assert state.out is not None
        state.out.rec += sum(amount for _, _, amount in fresh)
        state.out.cured = state.out.rec >= state.out.owed
        changes.append(Change((tenant, debtor), state, [eid for _, eid, _ in fresh], []))
    await store.commit(changes, now=2.0)


async def test_replayed_batch_gives_the_same_report(
    client: aioredis.Redis, store: StateStore, unique: str
) -> None:
    for debtor, arm in [("t1", "champion"), ("t2", "champion"), ("h1", "holdout")]:
        await put(store, "acme", debtor, enrolled(arm))
    batch: list[Payment] = [("t1", "p1", 300), ("t2", "p2", 1000), ("t1", "p3", 200)]
    source = ReportSource(client, Keys(unique), ttl_s=0)

    await process(store, "acme", batch)
    once = await source.report("acme", ["arm"])
    await process(store, "acme", batch)  # the broker redelivers after a crash
    await process(store, "acme", batch[1:])  # or a partial replay
    twice = await source.report("acme", ["arm"])

    assert twice.model_copy(update={"generated_at": 0}) == once.model_copy(
        update={"generated_at": 0}
    )
    champion = next(g for g in twice.groups if g.arm == "champion")
    assert champion.recovered == 1500
    assert champion.cure_rate == 0.5
