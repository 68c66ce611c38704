"""The dispatch stage: contact commands in, provider sends and delivery events out."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

import orjson
from pydantic import ValidationError
from structlog.contextvars import bound_contextvars

from recaudo.channels.dispatcher import DispatchResult
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.foundation.errors import DecisionError, InvalidEvent
from recaudo.streams.codec import encode
from recaudo.streams.metrics import PipelineMetrics
from recaudo.streams.outputs import ContactCommand, DeadLetter
from recaudo.streams.pipeline import Inbound, Outbound
from recaudo.streams.redispatch import Redispatch
from recaudo.streams.resilience import RETRYABLE
from recaudo.streams.topics import Topics
from recaudo.streams.validation_errors import describe

log = logging.getLogger(__name__)


class Dispatching(Protocol):
    """Sends one command at most once per contact id (channels.dispatcher.Dispatcher)."""

    async def dispatch(self, command: ContactCommand, now: dt.datetime) -> DispatchResult: ...


class DispatchStage:
    def __init__(
        self,
        topics: Topics,
        dispatcher: Dispatching,
        redispatch: Redispatch,
        metrics: PipelineMetrics,
        clock: Clock = WALL_CLOCK,
    ) -> None:
        self._topics = topics
        self._dispatcher = dispatcher
        self._redispatch = redispatch
        self._metrics = metrics
        self._clock = clock

    async def handle(self, record: Inbound) -> list[Outbound]:
        try:
            command = self._parse(record)
        except InvalidEvent as exc:
            return [self._dead_letter(record, exc)]
        now = self._clock.now()
        context = dict(
            tenant=command.tenant_id,
            debtor_id=command.debtor_id,
            contact_id=command.contact_id,
            decision_id=command.decision_id,
            event_id=command.trigger_event_id,
        )
        try:
            with bound_contextvars(**context):
                result = await self._dispatcher.dispatch(command, now)
        except RETRYABLE:
            raise  # infrastructure: the batch is retried, nothing acked
        except Exception as exc:
            log.exception("contact %s could not be dispatched", command.contact_id, extra=context)
            return [self._dead_letter(record, DecisionError(f"{type(exc).__name__}: {exc}"))]
        if result.retry_after_s is not None:
            await self._redispatch.hold(command, now.timestamp() + result.retry_after_s)
        outcome = "sent" if result.sent else (result.skipped_reason or "not_sent")
        self._metrics.dispatch(command.channel.value, outcome)
        return [
            Outbound(self._topics.deliveries, d.debtor_id, encode(d)) for d in result.deliveries
        ]

    def _dead_letter(self, record: Inbound, exc: Exception) -> Outbound:
        letter = DeadLetter(
            source_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode("utf-8", "replace") if record.key else None,
            payload=record.value.decode("utf-8", "replace"),
            error_type=type(exc).__name__,
            error=str(exc),
            failed_at=self._clock.now(),
        )
        self._metrics.dead_letters.labels(record.topic, letter.error_type).inc()
        return Outbound(self._topics.dead_letters, letter.key or "", encode(letter))

    @staticmethod
    def _parse(record: Inbound) -> ContactCommand:
        try:
            return ContactCommand.model_validate(orjson.loads(record.value))
        except orjson.JSONDecodeError as exc:
            raise InvalidEvent(f"not valid JSON: {exc}") from exc
        except ValidationError as exc:
            raise InvalidEvent(describe(exc)) from exc
