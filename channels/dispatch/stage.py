"""The dispatch stage: contact commands in, provider sends and delivery events out."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

from structlog.contextvars import bound_contextvars

from recaudo.channels.dispatch.dispatcher import DispatchResult
from recaudo.channels.dispatch.redispatch import Redispatch
from recaudo.contracts.codec import encode
from recaudo.contracts.dead_letters import failure, of_record, validated
from recaudo.contracts.metrics import PipelineMetrics
from recaudo.contracts.outputs import ContactCommand
from recaudo.contracts.records import Inbound, Outbound
from recaudo.contracts.resilience import RETRYABLE
from recaudo.contracts.topics import Topics
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.foundation.errors import InvalidEvent

log = logging.getLogger(__name__)


class Dispatching(Protocol):
    """Sends one command at most once per contact id (``dispatcher.Dispatcher``)."""

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
            command = validated(record.value, ContactCommand.model_validate)
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
            return [self._dead_letter(record, failure(exc))]
        if result.retry_after_s is not None:
            await self._redispatch.hold(command, now.timestamp() + result.retry_after_s)
        outcome = "sent" if result.sent else (result.skipped_reason or "not_sent")
        self._metrics.dispatch(command.channel.value, outcome)
        return [
            Outbound(self._topics.deliveries, d.debtor_id, encode(d)) for d in result.deliveries
        ]

    def _dead_letter(self, record: Inbound, exc: Exception) -> Outbound:
        letter = of_record(record, exc, self._clock.now())
        self._metrics.dead_letters.labels(record.topic, letter.error_type).inc()
        return Outbound(self._topics.dead_letters, letter.key or "", encode(letter))
