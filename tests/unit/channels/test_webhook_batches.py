"""A provider's batch (SendGrid posts thousands of events at once): different
messages are handled side by side, each message's events in the provider's order,
and a failure part-way costs a retry only of what was not published."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse
from cryptography.hazmat.primitives.asymmetric import ec

from recaudo.channels.credentials import ProviderCredentials
from recaudo.channels.dedupe import Deduper
from recaudo.channels.directory import ContactDirectory, ContactRef
from recaudo.channels.sandbox import signing
from recaudo.channels.status_machine import StatusMachine
from recaudo.channels.webhooks import build_verifiers
from recaudo.channels.webhooks.base import InboundMessage, StatusReport
from recaudo.channels.webhooks.service import by_message
from recaudo.contracts.events import Channel, DeliveryStatus
from tests.unit.channels.channels_testkit import FakePublisher, Hooks, start_hooks

MESSAGES = 40
STEPS = ("processed", "delivered", "open")


@dataclass
class SlowPublisher(FakePublisher):
    """A broker that takes a moment to ack, counting publishes in flight; it refuses
    the deliveries of ``refused`` contacts while they are listed."""

    in_flight: int = 0
    most_in_flight: int = 0
    refused: frozenset[str] = frozenset()

    async def publish(self, topic: str, key: str, value: bytes) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.002)
            if b'"contact_id":"' in value and any(
                f'"contact_id":"{c}"'.encode() in value for c in self.refused
            ):
                raise OSError("broker unavailable")
            await super().publish(topic, key, value)
        finally:
            self.in_flight -= 1


def contact(n: int) -> ContactRef:
    return ContactRef(
        tenant_id="acme",
        contact_id=f"c-{n}",
        debtor_id=f"d-{n}",
        channel=Channel.EMAIL,
        address=f"debtor{n}@example.com",
    )


def batch(refs: list[ContactRef]) -> list[dict[str, Any]]:
    """Each message's three events, the messages interleaved as SendGrid mixes them."""
    return [
        {
            "event": step,
            "sg_event_id": f"{ref.contact_id}-{step}",
            "email": ref.address,
            "rc_ref": ref.token,
            "timestamp": 1_700_000_000 + i,
        }
        for i, step in enumerate(STEPS)
        for ref in refs
    ]


@dataclass
class Batches:
    """The webhook routes on ``publisher``, and the batch of ``refs``'s receipts."""

    hooks: Hooks
    key: ec.EllipticCurvePrivateKey
    refs: list[ContactRef]

    async def post(self) -> ClientResponse:
        headers, body = signing.sendgrid(self.key, batch(self.refs))
        return await self.hooks.client.post("/webhooks/sendgrid", data=body, headers=headers)


@asynccontextmanager
async def batches(
    sandbox_creds: tuple[ProviderCredentials, ec.EllipticCurvePrivateKey],
    services: tuple[Deduper, StatusMachine, ContactDirectory],
    publisher: SlowPublisher,
    messages: int,
) -> AsyncIterator[Batches]:
    deduper, machine, directory = services
    refs = [contact(n) for n in range(messages)]
    for ref in refs:
        await directory.remember(ref)
    creds, key = sandbox_creds
    hooks = await start_hooks(build_verifiers(creds), publisher, deduper, machine, directory)
    try:
        yield Batches(hooks, key, refs)
    finally:
        await hooks.client.close()


async def test_a_batch_handles_messages_side_by_side_each_in_order(
    sandbox_creds: tuple[ProviderCredentials, ec.EllipticCurvePrivateKey],
    deduper: Deduper,
    machine: StatusMachine,
    directory: ContactDirectory,
) -> None:
    publisher = SlowPublisher()
    services = (deduper, machine, directory)
    async with batches(sandbox_creds, services, publisher, MESSAGES) as sent:
        resp = await sent.post()
        refs = sent.refs
    assert resp.status == 200
    assert json.loads(resp.headers["X-Recaudo-Counts"])["accepted"] == MESSAGES * len(STEPS)
    assert publisher.most_in_flight > 1, "one message at a time"
    published = publisher.on("deliveries")
    for ref in refs:
        # Were they reordered, the status machine would drop "processed" and
        # "delivered" after "open" as stale.
        mine = [e["status"] for e in published if e["contact_id"] == ref.contact_id]
        assert mine == ["queued", "delivered", "opened"], ref.contact_id


async def test_a_failure_part_way_is_a_503_and_the_retry_publishes_only_the_rest(
    sandbox_creds: tuple[ProviderCredentials, ec.EllipticCurvePrivateKey],
    deduper: Deduper,
    machine: StatusMachine,
    directory: ContactDirectory,
) -> None:
    publisher = SlowPublisher(refused=frozenset({"c-2"}))
    services = (deduper, machine, directory)
    async with batches(sandbox_creds, services, publisher, 6) as sent:
        first = await sent.post()
        assert first.status == 503
        publisher.refused = frozenset()
        retry = await sent.post()
        refs = sent.refs
    assert retry.status == 200
    published = publisher.on("deliveries")
    ids = [str(e["event_id"]) for e in published]
    assert len(ids) == len(set(ids)) == len(refs) * len(STEPS), "each event once"
    mine = [e["status"] for e in published if e["contact_id"] == "c-2"]
    assert mine == ["queued", "delivered", "opened"]


def test_a_messages_events_and_a_senders_replies_stay_together_in_order() -> None:
    reports = [
        StatusReport(dedupe_id=f"{m}-{s}", status=status, ref=m)
        for s, status in enumerate((DeliveryStatus.SENT, DeliveryStatus.DELIVERED))
        for m in ("m1", "m2")
    ]
    by_id = StatusReport(dedupe_id="x", status=DeliveryStatus.SENT, message_id="SM1")
    replies = [
        InboundMessage(dedupe_id=f"r{n}", channel=Channel.SMS, from_address="+1555", text="t")
        for n in range(2)
    ]
    groups = by_message([*reports, by_id, *replies])
    assert [[i.dedupe_id for i in g] for g in groups.values()] == [
        ["m1-0", "m1-1"],
        ["m2-0", "m2-1"],
        ["x"],
        ["r0", "r1"],
    ]
