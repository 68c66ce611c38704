"""The contact ledger and the schedule, the two Redis structures the no-loss and
no-double-send guarantees rest on, and the commands held for the schedule,
against real Redis."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from recaudo.channels.dispatch.ledger import ContactLedger, ContactStatus
from recaudo.channels.dispatch.redispatch import Redispatch
from recaudo.contracts.codec import encode
from recaudo.contracts.metrics import OVERDUE_EDGES
from recaudo.contracts.schedule import Entry, Schedule
from recaudo.embedded import Managed
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from tests.integration.web.ops_data import message

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(redis_server: Managed, unique: str) -> AsyncIterator[aioredis.Redis]:
    redis_client = aioredis.Redis.from_url(redis_server.url)
    yield redis_client
    async for key in redis_client.scan_iter(match=f"{unique}:*", count=1000):
        await redis_client.delete(key)
    await redis_client.aclose()


async def test_a_contact_is_claimed_once_and_a_cancel_and_a_claim_never_both_win(
    client: aioredis.Redis, unique: str
) -> None:
    ledger = ContactLedger(client, Keys(unique), 3600)
    claims = await asyncio.gather(*(ledger.claim("t", "d", "c1") for _ in range(20)))
    assert claims.count("claimed") == 1
    assert set(claims) == {"claimed", "sending"}, "the others see a send in doubt"
    assert await ledger.cancel("t", "d", "c1") == "sending", "too late to cancel"

    cancel, claim = await asyncio.gather(
        ledger.cancel("t", "d", "c2"), ledger.claim("t", "d", "c2")
    )
    assert (cancel == "cancelled") != (claim == "claimed"), (cancel, claim)
    final = await ledger.status("t", "d", "c2")
    assert final == ("cancelled" if cancel == "cancelled" else "sending")

    await ledger.mark("t", "d", "c1", ContactStatus.SENT)
    assert await ledger.claim("t", "d", "c1") == "sent"


async def test_the_schedule_releases_due_items_once_per_lease_and_again_after_it(
    client: aioredis.Redis, unique: str
) -> None:
    schedule = Schedule(client, Keys(unique), shards=4)
    due = Entry("t", "d1", "c1", "contact")
    later = Entry("t", "d2", "c2", "contact")
    await schedule.apply([(due, 100.0), (later, 10_000.0)], [])
    assert await schedule.size() == 2

    first = await schedule.claim_due(now=200.0, limit=10, lease_s=30)
    assert [(d.entry, d.due_at) for d in first] == [(due, 100.0)]
    assert await schedule.claim_due(now=210.0, limit=10, lease_s=30) == [], "leased"
    # The releasing timer died: after the lease the item is due again, not lost.
    again = await schedule.claim_due(now=231.0, limit=10, lease_s=30)
    assert [d.entry for d in again] == [due]
    assert again[0].due_at == 230.0, "a new claim, so a new release event id"

    await schedule.apply([], [due])
    assert await schedule.claim_due(now=10_000.0, limit=10, lease_s=30) == [
        type(first[0])(later, 10_000.0)
    ]


async def test_held_commands_come_back_once_due_and_a_batch_of_holds_is_two_round_trips(
    client: aioredis.Redis, unique: str
) -> None:
    keys = Keys(unique)
    schedule = Schedule(client, keys, shards=4)
    redispatch = Redispatch(client, keys, schedule, ttl_s=600)
    at = dt.datetime(2026, 12, 7, 15, tzinfo=dt.UTC)
    commands = [message(f"d{i % 7}", i, at, "Hola") for i in range(20)]
    stats = batcher(client).stats
    await redispatch.hold(commands[0], due_at=100.0)  # (loads the script into Redis)
    before = stats.round_trips
    await asyncio.gather(*(redispatch.hold(c, due_at=100.0 + i) for i, c in enumerate(commands)))
    # Each hold writes the command, then schedules it: the batch's writes share one
    # pipeline and its schedule entries the next.
    assert stats.round_trips - before == 2
    for debtor in {c.debtor_id for c in commands}:
        ttl = await client.ttl(keys.debtor("acme", debtor, "redispatch"))
        assert 0 < ttl <= 600, "a held command's hash always expires"

    assert await schedule.claim_due(now=50.0, limit=100, lease_s=30) == [], "not due yet"
    due = await schedule.claim_due(now=200.0, limit=100, lease_s=30)
    assert len(due) == 20
    # One command vanished meanwhile (its hash expired): it is skipped, not sent empty.
    gone = commands[3]
    await client.hdel(keys.debtor("acme", gone.debtor_id, "redispatch"), gone.contact_id)
    taken = dict((entry.item_id, raw) for entry, raw in await redispatch.take(sorted(due, key=str)))
    assert taken == {c.contact_id: encode(c) for c in commands if c is not gone}

    before = stats.round_trips
    await redispatch.done([d.entry for d in due])
    assert stats.round_trips - before == 1, "the commands and their entries go together"
    assert await schedule.size() == 0
    for debtor in {c.debtor_id for c in commands}:
        assert await client.hlen(keys.debtor("acme", debtor, "redispatch")) == 0


def test_entries_round_trip_through_their_member_string() -> None:
    # Event ids and debtor ids never hold "|" (the contract's Identifier pattern).
    entry = Entry("acme", "deb:tor/1@x.y", "ptp-ev:1", "promise")
    assert Entry.parse(entry.member) == entry


async def test_the_backlog_says_how_overdue_items_are(client: aioredis.Redis, unique: str) -> None:
    schedule = Schedule(client, Keys(unique), shards=4)
    now = 100_000.0
    overdue_by = {"a": -5.0, "b": 0.0, "c": 30.0, "d": 60.0, "e": 61.0, "f": 3599.0, "g": 7200.0}
    await schedule.apply(
        [(Entry("t", name, name, "contact"), now - late) for name, late in overdue_by.items()], []
    )
    backlog = await schedule.backlog(now, OVERDUE_EDGES)
    # Due now counts as overdue; a bucket starts at its lower edge (60 s is "1m-10m").
    assert backlog == {"not_due": 1, "0-1m": 2, "1m-10m": 2, "10m-1h": 1, "over_1h": 1}
