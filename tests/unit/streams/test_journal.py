"""The conversation journal: what each record adds, pointers read back, copies, and a
replayed line kept once; another debtor's record is never shown."""

from __future__ import annotations

import datetime as dt

from recaudo.contracts.codec import encode
from recaudo.contracts.events import Channel, DeliveryEvent, DeliveryStatus, ResponseEvent
from recaudo.streams.journal import JournalLine, copy, journal_lines, pointer, pointers

AT = dt.datetime(2026, 11, 2, 15, tzinfo=dt.UTC)
REF = ("acme", "d1")


def reply(debtor: str = "d1") -> ResponseEvent:
    return ResponseEvent(
        event_id=f"r-{debtor}",
        tenant_id="acme",
        occurred_at=AT,
        debtor_id=debtor,
        channel=Channel.SMS,
        text="I will pay Friday",
    )


RECEIPT = DeliveryEvent(
    event_id="k1",
    tenant_id="acme",
    occurred_at=AT - dt.timedelta(minutes=5),
    debtor_id="d1",
    contact_id="c1",
    provider="twilio",
    channel=Channel.SMS,
    status=DeliveryStatus.DELIVERED,
)


def test_pointers_are_read_back_in_time_order_once() -> None:
    raw = [pointer("r", (0, 7)), pointer("d", (1, 3)), pointer("r", (0, 7))]
    assert pointers(raw) == {"responses": {(0, 7)}, "deliveries": {(1, 3)}}
    fetched = {("responses", (0, 7)): encode(reply()), ("deliveries", (1, 3)): encode(RECEIPT)}
    lines = journal_lines(raw, REF, fetched)
    assert [(line.kind, line.by or line.provider) for line in lines] == [
        ("delivery", "twilio"),
        ("reply", "debtor"),
    ]
    assert lines[1].text == "I will pay Friday"


def test_a_copy_is_read_and_another_debtors_record_is_refused() -> None:
    note = JournalLine(id="message:c9", kind="message", at=AT, tenant_id="acme", debtor_id="d1")
    raw = [copy(note), pointer("r", (0, 1))]
    lines = journal_lines(raw, REF, {("responses", (0, 1)): encode(reply("d2"))})
    assert [(line.id, line.debtor_id) for line in lines] == [("message:c9", "d1")]
    assert b"debtor_id" not in copy(note), "the key names the debtor"
