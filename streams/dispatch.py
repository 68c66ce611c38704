"""The dispatch stage: contact commands in, provider sends and delivery events out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import orjson
from pydantic import ValidationError

from channels.base import Provider
from recaudo.errors import InvalidEvent
from streams.codec import encode
from streams.contact_ledger import ContactLedger, ContactStatus
from streams.events import Channel, DeliveryEvent
from streams.metrics import PipelineMetrics
from streams.outputs import ContactCommand, DeadLetter
from streams.pipeline import Inbound, Outbound, describe
from streams.topics import Topics


@dataclass
class DispatchResult:
    deliveries: list[DeliveryEvent] = field(default_factory=list)
    sent: bool = False
    skipped_reason: str | None = None


class Dispatcher(Protocol):
    """Sends one command at most once per contact id (see channels.dispatcher)."""

    async def dispatch(self, command: ContactCommand, now: dt.datetime) -> DispatchResult: ...


class DispatchStage:
    def __init__(self, topics: Topics, dispatcher: Dispatcher, metrics: PipelineMetrics) -> None:
        self._topics = topics
        self._dispatcher = dispatcher
        self._metrics = metrics

    async def handle(self, record: Inbound) -> list[Outbound]:
        try:
            command = self._parse(record)
        except InvalidEvent as exc:
            letter = DeadLetter(
                source_topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                key=record.key.decode("utf-8", "replace") if record.key else None,
                payload=record.value.decode("utf-8", "replace"),
                error_type=type(exc).__name__,
                error=str(exc),
                failed_at=dt.datetime.now(dt.UTC),
            )
            self._metrics.dead_letters.labels(record.topic, letter.error_type).inc()
            return [Outbound(self._topics.dead_letters, letter.key or "", encode(letter))]
        result = await self._dispatcher.dispatch(command, dt.datetime.now(dt.UTC))
        outcome = "sent" if result.sent else (result.skipped_reason or "not_sent")
        self._metrics.dispatched.labels(command.channel.value, outcome).inc()
        return [
            Outbound(self._topics.deliveries, d.debtor_id, encode(d)) for d in result.deliveries
        ]

    @staticmethod
    def _parse(record: Inbound) -> ContactCommand:
        try:
            return ContactCommand.model_validate(orjson.loads(record.value))
        except orjson.JSONDecodeError as exc:
            raise InvalidEvent(f"not valid JSON: {exc}") from exc
        except ValidationError as exc:
            raise InvalidEvent(describe(exc)) from exc


class LedgerDispatcher:
    """Claim in the contact ledger, send through the channel's provider, mark sent."""

    def __init__(self, ledger: ContactLedger, providers: Mapping[Channel, Provider]) -> None:
        self._ledger = ledger
        self._providers = providers

    async def dispatch(self, command: ContactCommand, now: dt.datetime) -> DispatchResult:
        t, d, cid = command.tenant_id, command.debtor_id, command.contact_id
        if command.expires_at <= now:
            return DispatchResult(skipped_reason="expired")
        provider = self._providers[command.channel]
        claim = await self._ledger.claim(t, d, cid)
        in_doubt_but_safe = claim == ContactStatus.SENDING and provider.idempotent
        if claim != "claimed" and not in_doubt_but_safe:
            return DispatchResult(skipped_reason=claim)
        outcome = await provider.send(command)
        await self._ledger.mark(t, d, cid, ContactStatus.SENT)
        delivery = DeliveryEvent(
            event_id=f"{cid}.{outcome.status.value}",
            tenant_id=t,
            occurred_at=now,
            debtor_id=d,
            contact_id=cid,
            account_id=command.account_id,
            provider=outcome.provider,
            channel=command.channel,
            status=outcome.status,
            address=command.address,
            provider_error_code=outcome.error_code,
            permanent=outcome.permanent,
        )
        return DispatchResult(deliveries=[delivery], sent=True)
