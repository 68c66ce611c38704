"""The recent view in Redis: version headers said once, the newest ``RECENT`` entries kept."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
import redis.asyncio as aioredis

from recaudo.contracts.outputs import Action, Decision
from recaudo.streams.decision.context import stable_id
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change, StateStore
from recaudo.streams.timeline import RECENT, timeline_entry, timeline_lines, timeline_records

pytestmark = pytest.mark.integration

REF = ("acme", "d-t")
T0 = dt.datetime(2026, 11, 18, 15, 0, tzinfo=dt.UTC)


def decision(n: int, version: str = "v1", seq: int = 1) -> Decision:
    trigger = f"ev-{n}"
    return Decision(
        decision_id=stable_id(REF[0], trigger, str(seq)),
        tenant_id=REF[0],
        debtor_id=REF[1],
        action=Action.SUPPRESS,
        reasons=(),
        policy_version=version,
        trigger_event_id=trigger,
        trigger_type="account",
        decided_at=T0 + dt.timedelta(minutes=n),
        latency_s=0.01,
    )


async def commit(store: StateStore, decisions: list[Decision]) -> None:
    await store.commit([Change(REF, DebtorState(), [], timeline_lines(decisions))], now=1.0)


async def stored(client: aioredis.Redis, store: StateStore) -> bytes:
    raw = await client.get(store.timeline_key(REF))
    assert isinstance(raw, bytes)
    return raw


async def shown(store: StateStore, limit: int = RECENT) -> list[tuple[str, object, object]]:
    records = timeline_records(await store.timeline(REF, limit), REF)
    return [
        (str(r.get("trigger_event_id")), r.get("policy_version"), r["decision_id"]) for r in records
    ]


async def test_a_policy_version_is_stored_once_per_run_and_read_on_every_entry(
    store: StateStore, client: aioredis.Redis
) -> None:
    await commit(store, [decision(1)])
    await commit(store, [decision(2), decision(3, seq=2)])
    await commit(store, [decision(4, "v2"), decision(5, "v1")])
    raw = await stored(client, store)
    assert raw.count(b"@v1") == 2
    assert raw.count(b"@v2") == 1
    assert await shown(store) == [
        ("ev-5", "v1", stable_id("acme", "ev-5", "1")),
        ("ev-4", "v2", stable_id("acme", "ev-4", "1")),
        ("ev-3", "v1", stable_id("acme", "ev-3", "2")),
        ("ev-2", "v1", stable_id("acme", "ev-2", "1")),
        ("ev-1", "v1", stable_id("acme", "ev-1", "1")),
    ]
    assert [t for t, _, _ in await shown(store, limit=2)] == ["ev-5", "ev-4"]


async def test_only_the_newest_entries_are_kept_with_no_header_left_over(
    store: StateStore, client: aioredis.Redis
) -> None:
    await commit(store, [decision(i, "old") for i in range(RECENT - 1)])
    await commit(store, [decision(100 + i, "new") for i in range(3)])
    got = await shown(store)
    assert len(got) == RECENT
    assert got[0][0] == "ev-102"
    assert got[-1] == ("ev-2", "old", stable_id("acme", "ev-2", "1"))
    assert not (await stored(client, store)).endswith(b"@old")
    await commit(store, [decision(200 + i, "newest") for i in range(RECENT + 2)])
    raw = await stored(client, store)
    assert raw.count(b"\n") == RECENT  # one header, RECENT entries
    assert {v for _, v, _ in await shown(store)} == {"newest"}


async def test_entries_of_the_older_layout_keep_their_own_version_and_id(
    store: StateStore, client: aioredis.Redis
) -> None:
    old = decision(1, "v0").model_copy(update={"decision_id": "legacy-id"})
    whole = orjson.dumps({"decision_id": "d0", "action": "suppress", "reasons": []})
    await client.set(store.timeline_key(REF), timeline_entry(old) + b"\n" + whole)
    await commit(store, [decision(2)])
    assert await shown(store) == [
        ("ev-2", "v1", stable_id("acme", "ev-2", "1")),
        ("ev-1", "v0", "legacy-id"),
        ("None", None, "d0"),
    ]
