"""Event-id claims and processed marks in the debtor's hash, and the older ``ids`` hash.

The previous release kept them in a hash of their own (``{debtor}:ids``, id ->
digest:seq[+], sequence under ``#``). After an upgrade, an event it processed
must still read as processed and an id it claimed must still refuse other
content, or a redelivery across the upgrade is decided twice.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
import redis.asyncio as aioredis
from pydantic import TypeAdapter

from recaudo.contracts.events import Event, InputEvent
from recaudo.foundation.clock import SimulatedClock
from recaudo.foundation.keys import Keys
from recaudo.streams.event_ids import EventDigests, digest, event_field
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change, StateStore
from tests.integration.harness import payment_event

pytestmark = pytest.mark.integration

REF = ("acme", "d-ids")
INPUT_EVENTS: TypeAdapter[InputEvent] = TypeAdapter(InputEvent)


async def debtor_fields(client: aioredis.Redis, unique: str) -> dict[str, str]:
    raw = await client.hgetall(Keys(unique).debtor_hash(*REF))
    return {text(k): text(v) for k, v in raw.items()}


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def payment(payment_id: str, amount_minor: int = 1_000) -> Event:
    record = payment_event(REF[1], amount_minor, payment_id)
    record["event_id"] = payment_id
    event = INPUT_EVENTS.validate_python(record)
    assert isinstance(event, Event)
    return event


async def test_marks_live_in_the_debtor_hash_under_their_tag(
    store: StateStore, client: aioredis.Redis, unique: str
) -> None:
    digests = EventDigests(client, Keys(unique), ttl_s=3600)
    assert await digests.conflicts([payment("p-1")]) == set()
    assert (await store.load([(REF, ["p-1"])]))[REF].seen == set(), "claimed, not processed"
    await store.commit([Change(REF, DebtorState(), ["p-1"], [])], now=1.0)
    assert (await store.load([(REF, ["p-1", "p-2"])]))[REF].seen == {"p-1"}
    fields = await debtor_fields(client, unique)
    assert set(fields) == {event_field("p-1"), "e~#", "e~^"}
    _digest, seq, minute = fields[event_field("p-1")].split(":")
    assert seq == "1"
    assert int(time.time() // 60) - int(minute.rstrip("+")) in (0, 1), "stamped now"
    assert not await client.exists(store.legacy_ids_key(REF))
    assert await digests.conflicts([payment("p-1", amount_minor=2_000)]) == {0}


async def test_the_older_ids_hash_still_counts_after_an_upgrade(
    store: StateStore, client: aioredis.Redis, unique: str
) -> None:
    old = store.legacy_ids_key(REF)
    same = payment("p-claimed")
    claimed = digest(same)
    await client.hset(old, mapping={"p-done": "xyz:1+", "p-claimed": f"{claimed}:2", "#": 2})
    digests = EventDigests(client, Keys(unique), ttl_s=3600)
    loaded = await store.load([(REF, ["p-done", "p-claimed", "p-new"])])
    assert loaded[REF].seen == {"p-done"}
    # Its claims hold: other content under a claimed id is a conflict, the same is not.
    other = payment("p-claimed", amount_minor=9_999)
    assert await digests.conflicts([other, same, payment("p-new")]) == {0}
    await store.commit([Change(REF, DebtorState(), ["p-claimed", "p-new"], [])], now=1.0)
    fields = await debtor_fields(client, unique)
    # Carried over with its digest and sequence; the new id numbered after them.
    assert fields[event_field("p-claimed")] == f"{claimed}:2+"
    assert fields[event_field("p-new")].split(":")[1] == "3"
    loaded = await store.load([(REF, ["p-done", "p-claimed", "p-new"])])
    assert loaded[REF].seen == {"p-done", "p-claimed", "p-new"}


async def test_old_ids_are_trimmed_and_other_fields_kept(
    client: aioredis.Redis, unique: str
) -> None:
    store = StateStore(client, Keys(unique), dedupe_ttl_s=3600, keep_ids=4)
    debtor_hash = Keys(unique).debtor_hash(*REF)
    await client.hset(debtor_hash, mapping={"c-1": "sent/2", "r~c-1": "row", "a~c-1": "[1,2]"})
    for n in range(20):
        await store.commit([Change(REF, DebtorState(), [f"ev-{n}"], [])], now=1.0)
    fields = set(await debtor_fields(client, unique))
    ids = {f for f in fields if f.startswith("e~") and f not in ("e~#", "e~^")}
    assert {event_field("ev-19"), event_field("ev-16")} <= ids
    assert len(ids) <= 2 * 4 + 1
    assert event_field("ev-0") not in ids
    assert {"c-1", "r~c-1", "a~c-1"} <= fields
    assert 0 < await client.ttl(debtor_hash) <= 3600


async def test_a_long_event_id_keeps_the_debtor_hash_compact(
    store: StateStore, client: aioredis.Redis, unique: str
) -> None:
    """An id may be 128 characters: its field is a fixed-size hash of it, so the
    hash keeps the listpack encoding (one field over 64 bytes would end it)."""
    long_id = "lender-42/account-snapshot/2026-12-02/" + "x" * 90
    digests = EventDigests(client, Keys(unique), ttl_s=3600)
    assert await digests.conflicts([payment(long_id)]) == set()
    await store.commit([Change(REF, DebtorState(), [long_id], [])], now=1.0)
    assert (await store.load([(REF, [long_id])]))[REF].seen == {long_id}
    fields = await debtor_fields(client, unique)
    assert max(len(f) for f in fields) == len(event_field(long_id)) == 22
    encoding = await client.object("encoding", Keys(unique).debtor_hash(*REF))
    assert encoding in (b"listpack", "listpack")


async def test_ids_past_the_de_duplication_ttl_go(client: aioredis.Redis, unique: str) -> None:
    """A debtor with an event a day keeps a TTL's worth of ids, not the last 256.

    Ids claimed 3 days ago (their minute stamped in the value) and a last trim
    as old: the next claim trims them, and keeps the recent ones."""
    store = StateStore(client, Keys(unique), dedupe_ttl_s=86400)
    debtor_hash = Keys(unique).debtor_hash(*REF)
    now_m = int(time.time() // 60)
    old_m, recent_m = now_m - 3 * 1440, now_m - 60
    await client.hset(debtor_hash, "e~#", 3)
    await client.hset(debtor_hash, "e~^", old_m)
    await client.hset(debtor_hash, event_field("old-1"), f"abc:1:{old_m}+")
    await client.hset(debtor_hash, event_field("old-2"), f":2:{old_m}+")
    await client.hset(debtor_hash, event_field("recent"), f"abc:3:{recent_m}+")
    await client.hset(debtor_hash, "c-1", "sent/2")
    await store.commit([Change(REF, DebtorState(), ["new"], [])], now=1.0)
    fields = set(await debtor_fields(client, unique))
    assert fields == {"e~#", "e~^", event_field("recent"), event_field("new"), "c-1"}
    loaded = await store.load([(REF, ["old-1", "recent", "new"])])
    assert loaded[REF].seen == {"recent", "new"}


#: A backtest's instant, years from the wall clock either way.
EVENT_TIME = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


async def test_a_processed_id_is_forgotten_one_ttl_after_its_stamp_on_the_clock(
    client: aioredis.Redis, unique: str
) -> None:
    """The de-duplication horizon ages by the decision clock, not by the key's TTL.

    A backtest moves the clock past the horizon within seconds, long before
    any wall TTL fires: the id must then decide as production would once the
    TTL had fired there, i.e. as new."""
    clock = SimulatedClock(EVENT_TIME)
    store = StateStore(client, Keys(unique), dedupe_ttl_s=3600, clock=clock)
    digests = EventDigests(client, Keys(unique), ttl_s=3600, clock=clock)
    first = payment("p-1")
    assert await digests.conflicts([first]) == set()
    await store.commit([Change(REF, DebtorState(), ["p-1"], [])], now=1.0)
    _digest, _seq, minute = (await debtor_fields(client, unique))[event_field("p-1")].split(":")
    assert int(minute.rstrip("+")) == int(EVENT_TIME.timestamp() // 60), "stamped on the clock"

    clock.advance_to(EVENT_TIME + dt.timedelta(minutes=59))
    assert (await store.load([(REF, ["p-1"])]))[REF].seen == {"p-1"}
    assert await digests.conflicts([payment("p-1", amount_minor=2_000)]) == {0}

    clock.advance_to(EVENT_TIME + dt.timedelta(minutes=61))
    assert await client.ttl(Keys(unique).debtor_hash(*REF)) > 3000, "the wall TTL has not fired"
    assert (await store.load([(REF, ["p-1"])]))[REF].seen == set(), "past the horizon: new"
    # Other content under the id is a fresh claim, not a conflict; it is decided again.
    assert await digests.conflicts([payment("p-1", amount_minor=2_000)]) == set()
    assert (await store.load([(REF, ["p-1"])]))[REF].seen == set()
    await store.commit([Change(REF, DebtorState(), ["p-1"], [])], now=1.0)
    assert (await store.load([(REF, ["p-1"])]))[REF].seen == {"p-1"}


async def test_an_id_inside_the_horizon_stays_a_duplicate_whatever_the_wall_says(
    client: aioredis.Redis, unique: str
) -> None:
    """The reverse: a clock years behind the wall (a backtest of an old log)
    keeps an id it processed minutes ago, trim or no trim."""
    clock = SimulatedClock(EVENT_TIME)
    store = StateStore(client, Keys(unique), dedupe_ttl_s=3600, keep_ids=4, clock=clock)
    await store.commit([Change(REF, DebtorState(), ["p-1"], [])], now=1.0)
    clock.advance_to(EVENT_TIME + dt.timedelta(minutes=30))
    await store.commit([Change(REF, DebtorState(), ["p-2"], [])], now=1.0)
    assert (await store.load([(REF, ["p-1", "p-2"])]))[REF].seen == {"p-1", "p-2"}
