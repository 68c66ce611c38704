"""The debtor's conversation, kept for people: every message and what came of it.

The ops page shows a debtor as a conversation (issue 23): each message's text as
sent, its channel and address, delivery progress with the provider that reported
it, the debtor's replies, the assistant's answers, promises and payments. Redis's
contact keys (directory, status machine) expire with the contact TTL and the
decisions hold no message text nor reply, so the decision stage keeps, per
debtor, where each of these records is, as ``streams.timeline`` does for the
decisions: a line ``<letter><partition>:<offset>`` (~14 bytes) naming a record
on the contacts topic (``m`` a cadence message, ``a`` the assistant's answer)
or on an input topic (``r`` a reply, ``p`` a payment, ``d`` a delivery
receipt). A message decided where no broker acknowledged it (a backtest) is
kept as a copy: one JSON object. The web reads the records back by position
(``foundation.record_reader``), so a conversation lasts as long as the topics
keep their records and the debtor's log (``streams.debtor_log``, which the
recent decisions share) its lines.

A batch replayed after a crash writes its lines again: the same pointers, or
copies with the same ``id``; the reader keeps each once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import orjson
import redis.asyncio as aioredis
from pydantic import BaseModel, ConfigDict

from recaudo.contracts.events import (
    DeliveryEvent,
    Event,
    PaymentEvent,
    ResponseEvent,
)
from recaudo.contracts.outputs import ContactCommand, Release
from recaudo.contracts.topics import BASE_NAMES
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.streams.debtor_log import (
    APPEND_KEPT_LUA,
    DECISION_STARTS,
    KEEP_BYTES,
    TTL_S,
    log_key,
)
from recaudo.streams.timeline import DebtorRef, Position

Kind = Literal["message", "delivery", "reply", "promise", "payment", "reversal"]


class JournalLine(BaseModel):
    """One thing that happened in the conversation; ``at`` is its own time."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    kind: Kind
    at: dt.datetime
    tenant_id: str
    debtor_id: str
    channel: str | None = None
    contact_id: str | None = None
    account_id: str | None = None
    # A message: its text as rendered at decision time, where it went, in what language.
    text: str | None = None
    subject: str | None = None
    address: str | None = None
    language: str | None = None
    purpose: str | None = None
    # "debtor" (a reply), "assistant" (an answer to one) or "cadence" (a step).
    by: str | None = None
    # A delivery receipt: the provider and the status it reported.
    provider: str | None = None
    status: str | None = None
    error: str | None = None
    # A reply's intent; a promise's date; money in minor units.
    intent: str | None = None
    due_on: dt.date | None = None
    amount_minor: int | None = None
    currency: str | None = None
    method: str | None = None


def _base(event: Event, kind: Kind, suffix: str = "") -> dict[str, object]:
    return {
        "id": f"{kind}:{event.event_id}{suffix}",
        "kind": kind,
        "at": event.occurred_at,
        "tenant_id": event.tenant_id,
        "debtor_id": event.debtor_id,
    }


def event_lines(event: object) -> list[JournalLine]:
    """The lines an input event adds (accounts, task closes and releases add none)."""
    if isinstance(event, DeliveryEvent):
        return [
            JournalLine.model_validate(
                _base(event, "delivery")
                | {
                    "channel": event.channel.value,
                    "contact_id": event.contact_id,
                    "account_id": event.account_id,
                    "provider": event.provider,
                    "status": event.status.value,
                    "error": event.provider_error_code,
                }
            )
        ]
    if isinstance(event, ResponseEvent):
        reply = _base(event, "reply") | {
            "channel": event.channel.value,
            "contact_id": event.contact_id,
            "account_id": event.account_id,
            "text": event.text or event.disposition,
            "intent": event.intent.value if event.intent else None,
            "by": "debtor",
        }
        lines = [JournalLine.model_validate(reply)]
        if event.promise is not None:
            promise = _base(event, "promise") | {
                "channel": event.channel.value,
                "account_id": event.account_id,
                "due_on": event.promise.due_on,
                "amount_minor": event.promise.amount.amount_minor,
                "currency": event.promise.amount.currency,
                "by": "debtor",
            }
            lines.append(JournalLine.model_validate(promise))
        return lines
    if isinstance(event, PaymentEvent):
        kind: Kind = "reversal" if event.reversal_of else "payment"
        line = _base(event, kind) | {
            "at": event.paid_at,
            "account_id": event.account_id,
            "amount_minor": event.amount.amount_minor,
            "currency": event.amount.currency,
            "method": event.method.value,
        }
        return [JournalLine.model_validate(line)]
    # Tasks (opened, noted, closed) are the task store's own records: not copied here.
    return []


def contact_line(command: ContactCommand, by: str) -> JournalLine:
    """A message as decided: the text dispatch sends (rendered once, at decision time)."""
    content = command.content
    return JournalLine(
        id=f"message:{command.contact_id}",
        kind="message",
        at=command.send_at,
        tenant_id=command.tenant_id,
        debtor_id=command.debtor_id,
        channel=command.channel.value,
        contact_id=command.contact_id,
        account_id=command.account_id,
        text=content.text if content else None,
        subject=content.subject if content else None,
        address=command.address,
        language=content.language if content else command.language,
        purpose=command.purpose,
        by=by,
    )


#: The topic (base name) each pointer letter names.
TOPIC_OF = {
    "m": BASE_NAMES.contacts,
    "a": BASE_NAMES.contacts,
    "r": BASE_NAMES.responses,
    "p": BASE_NAMES.payments,
    "d": BASE_NAMES.deliveries,
}
#: Who speaks in a message, by its letter, and back.
BY_LETTER = {"m": "cadence", "a": "assistant"}
Line = tuple[DebtorRef, bytes]
Fetched = Mapping[tuple[str, Position], bytes]


def pointer(letter: str, at: Position) -> bytes:
    return b"%s%d:%d" % (letter.encode(), at[0], at[1])


def input_letter(event: object) -> str | None:
    """The letter of an input event worth a line (replies, payments, receipts)."""
    if isinstance(event, ResponseEvent):
        return "r"
    if isinstance(event, PaymentEvent):
        return "p"
    if isinstance(event, DeliveryEvent):
        return "d"
    return None


def message_letter(trigger_type: str) -> str:
    """A message decided on a reply is the assistant's answer; any other, the cadence's."""
    return "a" if trigger_type == "response" else "m"


def copy(line: JournalLine) -> bytes:
    """A line kept whole (no broker position): its fields but the debtor's key names."""
    return line.model_dump_json(exclude_none=True, exclude={"tenant_id", "debtor_id"}).encode()


def pointers(raw: Iterable[bytes]) -> dict[str, set[Position]]:
    """The positions to read, by topic base name."""
    wanted: dict[str, set[Position]] = {}
    for line in raw:
        letter, at = _split(line)
        if at is not None:
            wanted.setdefault(TOPIC_OF[letter], set()).add(at)
    return wanted


def _split(line: bytes) -> tuple[str, Position | None]:
    letter = line[:1].decode("ascii", "replace")
    if letter not in TOPIC_OF:
        return letter, None
    partition, _, offset = line[1:].partition(b":")
    if not (partition.isdigit() and offset.isdigit()):
        return letter, None
    return letter, (int(partition), int(offset))


def journal_lines(raw: Iterable[bytes], ref: DebtorRef, fetched: Fetched) -> list[JournalLine]:
    """Stored lines as the conversation shows them, oldest first, each once.

    ``fetched``: the records the pointers name, by (topic base, position). A
    pointer to nothing (past retention) or to another debtor's record shows nothing.
    """
    out: list[JournalLine] = []
    for line in raw:
        letter, at = _split(line)
        if at is None:
            if line[:1] == b"{":
                out.append(JournalLine.model_validate(orjson.loads(line) | _owner(ref)))
            continue
        record = fetched.get((TOPIC_OF[letter], at))
        data = orjson.loads(record) if record else None
        if not isinstance(data, dict) or (data.get("tenant_id"), data.get("debtor_id")) != ref:
            continue
        if letter in BY_LETTER:
            command = ContactCommand.model_validate(data)
            out.append(contact_line(command, BY_LETTER[letter]))
        else:
            out += event_lines(_EVENTS[letter].model_validate(data))
    return ordered(out)


_EVENTS: dict[str, type[Event]] = {"r": ResponseEvent, "p": PaymentEvent, "d": DeliveryEvent}


def _owner(ref: DebtorRef) -> dict[str, str]:
    return {"tenant_id": ref[0], "debtor_id": ref[1]}


_APPEND = APPEND_KEPT_LUA + "append_kept(KEYS[1], ARGV[1], tonumber(ARGV[2]), ARGV[3])\nreturn 1\n"


class Journal:
    """The conversation's lines in the debtor's log (``streams.debtor_log``).

    A string, not a list: a debtor's few pointers cost ~120 bytes of Redis as a
    string against ~200 as a list (the memory test's bound counts them).
    """

    def __init__(self, client: aioredis.Redis, keys: Keys) -> None:
        self._r = client
        self._keys = keys
        self._append = client.register_script(_APPEND)

    def key(self, ref: DebtorRef) -> str:
        return log_key(self._keys, ref)

    async def append(self, lines: Sequence[Line]) -> None:
        """Add ``lines`` (one round trip for the batch)."""
        if not lines:
            return
        by_key: dict[str, list[bytes]] = {}
        for ref, raw in lines:
            by_key.setdefault(self.key(ref), []).append(raw)
        batch = batcher(self._r)
        await asyncio.gather(
            *(
                batch.script(
                    self._append, [key], [b"".join(r + b"\n" for r in raws), KEEP_BYTES, TTL_S]
                )
                for key, raws in by_key.items()
            )
        )

    async def raw(self, ref: DebtorRef) -> list[bytes]:
        """The conversation's stored lines, oldest written first (the log's decision
        lines left out)."""
        stored = await self._r.get(self.key(ref))
        text = stored.encode() if isinstance(stored, str) else stored or b""
        return [line for line in text.split(b"\n") if line and line[0] not in DECISION_STARTS]


def ordered(lines: Iterable[JournalLine]) -> list[JournalLine]:
    """Oldest first, a replayed line (same id) kept once."""
    seen: dict[str, JournalLine] = {}
    for line in lines:
        seen.setdefault(line.id, line)
    return sorted(seen.values(), key=lambda line: line.at)


def input_lines(
    letter: str, where: Position | None, event: Event | Release
) -> list[tuple[DebtorRef, bytes]]:
    """A reply, payment or receipt as its place on its topic (a copy when it has none)."""
    ref = (event.tenant_id, event.debtor_id)
    if where is not None:
        return [(ref, pointer(letter, where))]
    return [(ref, copy(line)) for line in event_lines(event)]


def message_lines(
    messages: Sequence[tuple[int, ContactCommand, str]],
    positions: Sequence[Position | None] | None,
) -> list[tuple[DebtorRef, bytes]]:
    """Each message (its index among the batch's outputs, the command, its letter) as
    its place on the contacts topic, or whole where no broker acked it (the same rule
    as the timeline's)."""
    lines = []
    for i, command, letter in messages:
        at = positions[i] if positions is not None else None
        by = "assistant" if letter == "a" else "cadence"
        line = pointer(letter, at) if at else copy(contact_line(command, by))
        lines.append(((command.tenant_id, command.debtor_id), line))
    return lines
