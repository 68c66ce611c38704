"""The real decision stage journals each debtor's conversation: the message as decided
(its text), where the debtor's reply and the payment are; a redelivered batch once."""

from __future__ import annotations

import datetime as dt

import pytest
import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys
from recaudo.streams.journal import KEEP_BYTES, TTL_S, Journal, journal_lines, pointer
from tests.conftest import SettingsFactory
from tests.integration.harness import account_event, payment_event, zone_with_local_hour
from tests.integration.streams.test_report_replay import inbound, process, wiring_for

pytestmark = pytest.mark.integration


async def test_the_stage_journals_messages_replies_and_payments(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings()
    zone = zone_with_local_hour(range(10, 18))
    account = inbound(
        settings, "accounts", account_event("j-1", event_id="acct-j-1", timezone=zone), 0
    )
    reply = {
        "type": "response",
        "event_id": "in-j-1",
        "tenant_id": "acme",
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
        "debtor_id": "j-1",
        "channel": "sms",
        "text": "Who is this?",
    }
    payment = inbound(settings, "payments", payment_event("j-1", 2_500, "p-j-1"), 0)
    wiring = wiring_for(settings)
    try:
        await process(wiring, [account])
        await process(wiring, [inbound(settings, "responses", reply, 0), payment])
        await process(wiring, [account, payment])  # redelivered
    finally:
        await wiring.close()
    client = aioredis.Redis.from_url(settings.redis_url)
    try:
        raw = await Journal(client, Keys(settings.redis_prefix)).raw(("acme", "j-1"))
    finally:
        await client.aclose()
    # The reply and the payment as their places on their topics (the test's offsets:
    # 0 on partition 0), once however often redelivered.
    assert {line for line in raw if not line.startswith(b"{")} == {b"r0:0", b"p0:0"}
    # No broker acked the message here (no positions at commit): it is kept whole.
    lines = journal_lines(raw, ("acme", "j-1"), {})
    messages = [line for line in lines if line.kind == "message"]
    assert messages, raw
    assert messages[0].text, "the text as rendered at decision time"
    assert messages[0].address
    assert messages[0].by == "cadence"


async def test_the_journal_keeps_its_newest_lines_whole(make_settings: SettingsFactory) -> None:
    settings = make_settings()
    client = aioredis.Redis.from_url(settings.redis_url)
    try:
        journal = Journal(client, Keys(settings.redis_prefix))
        ref = ("acme", "j-2")
        for start in range(0, 600, 100):
            await journal.append([(ref, pointer("d", (0, n))) for n in range(start, start + 100)])
        raw = await journal.raw(ref)
        ttl = await client.ttl(journal.key(ref))
    finally:
        await client.aclose()
    assert sum(len(line) + 1 for line in raw) <= KEEP_BYTES
    assert raw[-1] == b"d0:599", "the newest kept"
    assert all(line.startswith(b"d0:") for line in raw), "cut at a line's start"
    assert [int(line[3:]) for line in raw] == list(range(600 - len(raw), 600))
    assert 0 < ttl <= TTL_S
