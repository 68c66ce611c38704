"""The recent view in the debtor's log: version headers said once per run, the
newest lines kept, the conversation's lines beside them left alone."""

from __future__ import annotations

import orjson
import pytest
import redis.asyncio as aioredis

from recaudo.contracts.outputs import Decision
from recaudo.streams.debtor_log import KEEP_BYTES
from recaudo.streams.debtor_log import TTL_S as LOG_TTL_S
from recaudo.streams.decision.context import stable_id
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change, StateStore
from recaudo.streams.timeline import RECENT, timeline_entry, timeline_lines, timeline_records
from tests.integration.streams.decisions import suppression

pytestmark = pytest.mark.integration

REF = ("acme", "d-t")


def decision(n: int, version: str = "v1", seq: int = 1) -> Decision:
    return suppression(REF, n, version, seq)


async def commit(store: StateStore, decisions: list[Decision]) -> None:
    await store.commit([Change(REF, DebtorState(), [], timeline_lines(decisions))], now=1.0)


async def stored(client: aioredis.Redis, store: StateStore) -> bytes:
    raw = await client.get(store.log_key(REF))
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


async def test_only_the_newest_lines_are_kept_and_shown_newest_first(
    store: StateStore, client: aioredis.Redis
) -> None:
    for start in range(0, 3 * RECENT, RECENT):
        await commit(store, [decision(i, "old") for i in range(start, start + RECENT)])
    await commit(store, [decision(1000 + i, "new") for i in range(3)])
    raw = await stored(client, store)
    assert len(raw) <= KEEP_BYTES
    assert b'"ev-0"' not in raw, "the oldest lines went"
    got = await shown(store)
    assert [t for t, _, _ in got] == ["ev-1002", "ev-1001", "ev-1000"] + [
        f"ev-{n}" for n in range(3 * RECENT - 1, 2 * RECENT + 2, -1)
    ]
    assert got[3][1] == "old"
    assert [t for t, _, _ in await shown(store, limit=5)] == [t for t, _, _ in got[:5]]


async def test_pointers_share_the_log_with_the_conversation(
    store: StateStore, client: aioredis.Redis
) -> None:
    """Where a broker acked the decisions (the worker), a line is their position; the
    conversation's lines in the same string are neither shown nor disturbed."""
    await client.set(store.log_key(REF), b'm11:40\n{"id":"x"}\n')
    first, second = decision(1), decision(2)
    at = {first.decision_id: (3, 7), second.decision_id: (3, 9)}
    await store.commit([Change(REF, DebtorState(), [], timeline_lines([first, second], at))], 1.0)
    assert await stored(client, store) == b'm11:40\n{"id":"x"}\n3:7\n3:9\n'
    assert await store.timeline(REF) == [b"3:9", b"3:7"]
    assert 0 < await client.ttl(store.log_key(REF)) <= LOG_TTL_S


async def test_entries_of_the_older_layout_keep_their_own_version_and_id(
    store: StateStore, client: aioredis.Redis
) -> None:
    old = decision(1, "v0").model_copy(update={"decision_id": "legacy-id"})
    whole = orjson.dumps({"decision_id": "d0", "action": "suppress", "reasons": []})
    await client.set(store.legacy_timeline_key(REF), timeline_entry(old) + b"\n" + whole)
    await commit(store, [decision(2)])
    assert await shown(store) == [
        ("ev-2", "v1", stable_id("acme", "ev-2", "1")),
        ("ev-1", "v0", "legacy-id"),
        ("None", None, "d0"),
    ]
