"""The decision stage reads both lanes (issue 28): an account snapshot is accepted on
``urgent-accounts`` as on ``accounts`` and decided the same; any other event there
is dead-lettered naming the topic it belongs on. The real stage on real Redis, on a
simulated clock, fed by hand (the promise test's ``Loop``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest
import redis.asyncio as aioredis

from tests.integration.streams.test_promise_followup import ACCOUNT, START, Loop

#: 15:00 UTC is midnight in Tokyo: the contact the snapshot proposes is deferred.
NIGHT_ACCOUNT = {**ACCOUNT, "timezone": "Asia/Tokyo"}
DISPUTED = {**NIGHT_ACCOUNT, "event_id": "acct-2", "flags": {"dispute": True}}
PAYMENT: dict[str, Any] = {
    "type": "payment",
    "event_id": "pay-1",
    "payment_id": "p1",
    "account_id": "a1",
    "amount": ACCOUNT["amount_due"],
    "method": "card",
    "paid_at": START,
}
NOTICE: dict[str, Any] = {
    "type": "validation_notice",
    "event_id": "vn-1",
    "account_id": "a1",
    "provided_on": "2026-11-20",
    "method": "mail",
}


@pytest.fixture
async def loops(redis: aioredis.Redis, unique: str) -> AsyncIterator[Callable[[], Loop]]:
    """Stages of their own (own keys, own topic prefix) on the session's Redis."""
    made: list[Loop] = []

    def make() -> Loop:
        made.append(Loop(redis, f"{unique}{len(made)}"))
        return made[-1]

    yield make
    async for key in redis.scan_iter(match=f"{unique}*", count=1000):
        await redis.delete(key)


#: Stamped from the wall clock when the decision is written, not from the stage's clock.
WALL_CLOCK_FIELDS = ("decided_at", "latency_s")


def outputs(loop: Loop) -> list[tuple[str, dict[str, Any]]]:
    """Every output as (base topic name, record), less its wall-clock stamps."""
    prefix = loop.topics.prefix
    found = []
    for _, out in loop.outputs:
        record = orjson.loads(out.value)
        for field in WALL_CLOCK_FIELDS:
            record.pop(field, None)
        found.append((out.topic.removeprefix(prefix), record))
    return found


def decisions(loop: Loop) -> list[tuple[str, str]]:
    return [
        (d["action"], d["reasons"][0]["rule_id"]) for _, d in loop.records(loop.topics.decisions)
    ]


async def test_snapshots_on_urgent_accounts_are_decided_as_on_accounts(
    loops: Callable[[], Loop],
) -> None:
    bulk, urgent = loops(), loops()
    for event in (NIGHT_ACCOUNT, DISPUTED):
        await bulk.send(bulk.topics.accounts, event)
        await urgent.send(urgent.topics.urgent_accounts, event)
    assert decisions(urgent)[0] == ("defer", "us.reg_f.inconvenient_time")
    assert ("cancel", "suppress.dispute") in decisions(urgent)
    assert urgent.records(urgent.topics.dead_letters) == []
    assert outputs(urgent) == outputs(bulk), "the same decisions, contacts and ids"


async def test_a_snapshot_on_urgent_accounts_stops_what_one_on_accounts_deferred(
    loops: Callable[[], Loop],
) -> None:
    """The lanes meet in one debtor's state: the deferral made from the bulk lane is
    cancelled by the flagged snapshot that came through the urgent one."""
    loop = loops()
    await loop.send(loop.topics.accounts, NIGHT_ACCOUNT)
    await loop.send(loop.topics.urgent_accounts, DISPUTED)
    [defer, *later] = [d for _, d in loop.records(loop.topics.decisions)]
    assert defer["action"] == "defer"
    [cancel] = [d for d in later if d["action"] == "cancel"]
    assert cancel["contact_id"] == defer["contact_id"]
    assert cancel["reasons"][0]["rule_id"] == "suppress.dispute"
    assert cancel["trigger_event_id"] == "acct-2"


@pytest.mark.parametrize(
    ("event", "belongs_on"),
    [(PAYMENT, "payments"), (NOTICE, "accounts")],
    ids=["payment", "notice"],
)
async def test_another_event_on_urgent_accounts_is_dead_lettered_naming_its_topic(
    loops: Callable[[], Loop], event: dict[str, Any], belongs_on: str
) -> None:
    loop = loops()
    await loop.send(loop.topics.accounts, NIGHT_ACCOUNT)
    await loop.send(loop.topics.urgent_accounts, event)
    [letter] = [r for _, r in loop.records(loop.topics.dead_letters)]
    assert letter["source_topic"] == loop.topics.urgent_accounts
    assert letter["error_type"] == "InvalidEvent"
    own = loop.topics.name(belongs_on)
    assert letter["error"] == f"a {event['type']!r} event belongs on {own!r}"
    assert [action for action, _ in decisions(loop)] == ["defer"], "nothing decided from it"


async def test_a_payment_dead_lettered_on_urgent_accounts_still_counts_on_payments(
    loops: Callable[[], Loop],
) -> None:
    """The letter does not spend the event id: the same payment sent where it belongs
    covers what is due and cancels the deferred contact."""
    loop = loops()
    await loop.send(loop.topics.accounts, NIGHT_ACCOUNT)
    await loop.send(loop.topics.urgent_accounts, PAYMENT)
    loop.clock.advance_to(START + dt.timedelta(minutes=1))
    await loop.send(loop.topics.payments, PAYMENT)
    assert decisions(loop) == [
        ("defer", "us.reg_f.inconvenient_time"),
        ("cancel", "payment.covers_due"),
    ]
    assert len(loop.records(loop.topics.dead_letters)) == 1
