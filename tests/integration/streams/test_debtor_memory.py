"""A debtor's Redis footprint after one contact, measured on the real Redis.

One account event is decided, its contact dispatched (recording provider) and
the receipt decided again, through the worker's own parts; then ``MEMORY
USAGE`` is summed over the keys under the test's prefix that are this
debtor's: its hash-tagged keys and any tenant-level key naming its contact or
its address. Keys every debtor shares (the tenant list, the attribution
buckets) and the recording provider's log are left out. The bound is what
this layout reaches (1,024 bytes over 4 keys when written: the deflated
state; the debtor's log, holding the pointers to the decisions and to the
conversation's records on the topics; the debtor's hash holding the
contact's status, ref and payment link, the event ids, the attribution window
and the cap reservation; the address index) with ~6 % for noise. A second
copy of the decision in Redis (a compact entry is ~190 bytes more than its
pointer), the state stored as plain JSON, a key of its own again for the
recent decisions, the event ids, the attribution or the cap reservations
(~120-150 bytes each), a tenant-level key per contact (``contact:``,
``msgid:``, ``pay:``), or the payment page's URL kept beside the link's
references again (~80 bytes) breaks it.
"""

from __future__ import annotations

import time

import orjson
import pytest
import redis.asyncio as aioredis

from recaudo.channels.directory import ContactDirectory
from recaudo.contracts.events import Channel
from recaudo.foundation.keys import Keys
from recaudo.streams.decision_stage import Inbound, Outbound
from recaudo.streams.event_ids import event_field
from tests.conftest import SettingsFactory
from tests.integration.harness import account_event, dry_run_wiring, zone_with_local_hour

pytestmark = pytest.mark.integration

#: Bytes all keys may hold after one debtor's first contact (measured: see bench/README).
BOUND = 1_085


def inbound(out: Outbound, offset: int) -> Inbound:
    return Inbound(out.topic, 0, offset, out.key.encode(), out.value, time.time())


def acked(outputs: list[Outbound]) -> list[tuple[int, int]]:
    """Where a broker a while in service would put the records: the positions the
    worker's publish returns (offsets in the billions cost their digits here)."""
    return [(11, 4_000_000_000 + i) for i, _ in enumerate(outputs)]


async def test_one_contact_costs_a_debtor_under_the_bound(make_settings: SettingsFactory) -> None:
    # Sent at once: the settle's hold is gone once the command is sent.
    settings = make_settings(contact_settle_s=0)
    wiring = dry_run_wiring(settings)
    event = account_event("mem-1", timezone=zone_with_local_hour(range(10, 18)), channels=("sms",))
    raw = Inbound(
        f"{settings.topic_prefix}accounts", 0, 0, b"mem-1", orjson.dumps(event), time.time()
    )
    prepared = await wiring.decision_stage.prepare([raw])
    await wiring.decision_stage.commit(prepared, acked(prepared.outputs))
    contacts = [o for o in prepared.outputs if o.topic == wiring.topics.contacts]
    assert len(contacts) == 1, "the debtor was contacted"
    receipts = await wiring.dispatch_stage.handle(inbound(contacts[0], 0))
    assert receipts, "the dispatcher reported the send"
    again = await wiring.decision_stage.prepare([inbound(r, i) for i, r in enumerate(receipts)])
    await wiring.decision_stage.commit(again, acked(again.outputs))

    client = aioredis.Redis.from_url(settings.redis_url)
    sizes: dict[str, int] = {}
    contact_id = orjson.loads(contacts[0].value)["contact_id"]
    address = str(event["contact_points"][0]["address"])
    bucket = ContactDirectory(client, Keys(settings.redis_prefix), 0).address_bucket(
        "acme", Channel.SMS, address
    )
    fields = await client.hkeys(f"{settings.redis_prefix}:acme:{{mem-1}}:contacts")
    names = [f.decode() if isinstance(f, bytes) else f for f in fields]
    claimed = sorted(f for f in names if f.startswith("e~") and f not in ("e~#", "e~^"))
    # The account event's id, not the progress receipt's: a receipt changes nothing.
    assert claimed == [event_field(str(event["event_id"]))], claimed
    async for raw_key in client.scan_iter(match=f"{settings.redis_prefix}:*", count=1000):
        key = raw_key.decode()
        if key == bucket or any(mine in key for mine in ("{mem-1}", contact_id)):
            sizes[key] = int(await client.memory_usage(key, samples=0) or 0)
    await client.aclose()
    await wiring.close()
    total = sum(sizes.values())
    assert any(":{mem-1}:" in k for k in sizes), "the debtor's keys are under the prefix"
    assert total <= BOUND, f"{total} bytes: {sorted(sizes.items(), key=lambda kv: -kv[1])}"
    tenant_level = [k for k in sizes if "{mem-1}" not in k]
    assert tenant_level == [bucket], f"per-contact keys: {tenant_level}"
    mine = sorted(k.rsplit("}:", 1)[1] for k in sizes if "{mem-1}" in k)
    assert mine == ["contacts", "journal", "state"], mine
