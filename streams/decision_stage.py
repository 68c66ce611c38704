"""The decision stage over one batch of records, independent of Faust.

``prepare`` validates, de-duplicates and decides; the caller publishes the
outputs and waits for the broker's acks; only then ``commit`` writes the new
debtor state together with the processed event ids. A crash anywhere before
the commit replays the batch to the same decisions (same ids), so nothing is
lost and the dispatcher's contact-id ledger keeps every contact single.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from pydantic import TypeAdapter
from structlog.contextvars import bind_contextvars, reset_contextvars

from recaudo.channels.dispatch.ledger import ContactLedger
from recaudo.contracts.codec import encode
from recaudo.contracts.dead_letters import failure, of_record, tenant_in, validated
from recaudo.contracts.events import (
    DeliveryEvent,
    DeliveryStatus,
    Event,
    InputEvent,
    PaymentEvent,
)
from recaudo.contracts.metrics import PipelineMetrics
from recaudo.contracts.outputs import Decision, Release
from recaudo.contracts.ports import CapGate, CapResult, CapVerdict, LearnerIO
from recaudo.contracts.records import Inbound, Outbound
from recaudo.contracts.resilience import RETRYABLE
from recaudo.contracts.schedule import Schedule
from recaudo.contracts.topics import ACCEPTED_ON, Topics
from recaudo.contracts.urgency import occurred_at_error
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.foundation.errors import EventIdConflict, InvalidEvent, UnknownTenant
from recaudo.streams.batch import Prepared
from recaudo.streams.credit_bureau_notices import is_notice
from recaudo.streams.decision.context import Context, Effects
from recaudo.streams.decision.decider import DecidableEvent, Decider
from recaudo.streams.event_ids import EventDigests
from recaudo.streams.journal import (
    Journal,
    input_letter,
    input_lines,
    message_letter,
    message_lines,
)
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change, DebtorRef, Loaded, StateStore
from recaudo.streams.tasks import TaskStore
from recaudo.streams.timeline import Position, timeline_lines

log = logging.getLogger(__name__)
_INPUT = TypeAdapter(InputEvent)
NO_EFFECT = frozenset({DeliveryStatus.QUEUED, DeliveryStatus.SENT, DeliveryStatus.DELIVERED})


def _no_effect(event: DecidableEvent) -> bool:
    """Progress receipts change nothing, except a notice's delivery: its proof."""
    return (
        isinstance(event, DeliveryEvent)
        and event.status in NO_EFFECT
        and not (event.status is DeliveryStatus.DELIVERED and is_notice(event.contact_id))
    )


def _money_first(item: tuple[Inbound, DecidableEvent]) -> int:
    return 0 if isinstance(item[1], PaymentEvent) else 1


def _fate(fx: Effects) -> str:
    """The ``recaudo_events_total`` outcome of a decided event."""
    if fx.stale:
        return "stale"
    if fx.duplicate:
        return "duplicate"
    return "held" if fx.held else "processed"


class DecisionStage:
    def __init__(
        self,
        *,
        topics: Topics,
        store: StateStore,
        schedule: Schedule,
        ledger: ContactLedger,
        caps: CapGate | None,
        decider: Decider,
        tenants: frozenset[str],
        metrics: PipelineMetrics,
        learner_io: LearnerIO | None = None,
        clock: Clock = WALL_CLOCK,
        digests: EventDigests | None = None,
        skew: tuple[float, float] | None = None,
        tasks: TaskStore | None = None,
        journal: Journal | None = None,
    ) -> None:
        self._topics = topics
        self._store = store
        self._schedule = schedule
        self._ledger = ledger
        self._caps = caps
        self._decider = decider
        self._tenants = tenants
        self._metrics = metrics
        self._learner_io = learner_io
        self._clock = clock
        # Strict input: event ids name one content; occurred_at within (future_s, max_age_s).
        self._digests = digests
        self._skew = skew
        # Opened tasks for GET /v1/tasks (issue 11); unset in tests of the stage alone.
        self._tasks = tasks
        # The debtors' conversations for the ops page (issue 23); unset in tests of the stage.
        self._journal = journal

    def parse(self, record: Inbound) -> DecidableEvent:
        validate: Callable[[Any], DecidableEvent] = (
            Release.model_validate
            if record.topic == self._topics.releases
            else _INPUT.validate_python
        )
        event = validated(record.value, validate)
        if record.topic != self._topics.releases:
            accepted = sorted(self._topics.name(base) for base in ACCEPTED_ON[event.type])
            if record.topic not in accepted:
                on = " or ".join(repr(name) for name in accepted)
                raise InvalidEvent(f"a {event.type!r} event belongs on {on}")
        key = record.key.decode("utf-8", "replace") if record.key is not None else None
        if key != event.debtor_id:
            raise InvalidEvent(f"message key {key!r} must equal debtor_id {event.debtor_id!r}")
        if event.tenant_id not in self._tenants:
            raise UnknownTenant(f"tenant {event.tenant_id!r} is not configured")
        if self._skew is not None and isinstance(event, Event):
            why = occurred_at_error(event, self._clock.now(), *self._skew)
            if why is not None:
                raise InvalidEvent(why)
        return event

    def dead_letter(self, record: Inbound, exc: Exception) -> Outbound:
        letter = of_record(record, exc, self._clock.now(), tenant_id=tenant_in(record.value))
        self._metrics.dead_letters.labels(record.topic, letter.error_type).inc()
        self._metrics.event(record.topic, "dead_letter")
        return Outbound(self._topics.dead_letters, letter.key or "", encode(letter))

    async def prepare(self, records: Sequence[Inbound]) -> Prepared:
        prepared = Prepared()
        parsed: list[tuple[Inbound, DecidableEvent]] = []
        for record in records:
            try:
                parsed.append((record, self.parse(record)))
            except (InvalidEvent, UnknownTenant) as exc:
                prepared.outputs.append(self.dead_letter(record, exc))
        wanted: dict[DebtorRef, list[str]] = defaultdict(list)
        for _, event in parsed:
            if not _no_effect(event):
                wanted[(event.tenant_id, event.debtor_id)].append(event.event_id)
        # The id claims and the state reads go out together: one round trip.
        parsed, loaded = await asyncio.gather(
            self._without_conflicts(parsed, prepared), self._store.load(wanted.items())
        )
        by_debtor: dict[DebtorRef, list[tuple[Inbound, DecidableEvent]]] = defaultdict(list)
        for record, event in parsed:
            letter = input_letter(event) if self._journal is not None else None
            if letter is not None:
                where = (
                    (record.partition, record.offset)
                    if record.partition is not None and record.offset is not None
                    else None
                )
                prepared.journal += input_lines(letter, where, event)
            if _no_effect(event):
                # Progress receipts change nothing a rule or learner reads: no state
                # round trip for them (most receipts are these).
                self._metrics.event(record.topic, "no_effect")
                continue
            by_debtor[(event.tenant_id, event.debtor_id)].append((record, event))
        for items in by_debtor.values():
            # Money first: a payment is entered (or held) before a snapshot in the same
            # batch proposes a contact; only the order across topics changes.
            items.sort(key=_money_first)
        if self._learner_io is not None:
            await self._learner_io.before_batch(
                [(ref[0], got.state.seg) for ref, got in loaded.items()]
            )
        results = await asyncio.gather(
            *(self._decide_debtor(ref, items, loaded[ref]) for ref, items in by_debtor.items())
        )
        for (tenant_id, debtor_id), change, effects, letters in results:
            prepared.outputs.extend(letters)
            if change is not None:
                prepared.changes.append(change)
                prepared.recent.append((change, [d for fx in effects for d in fx.decisions]))
            for fx in effects:
                prepared.outcomes.extend((tenant_id, debtor_id, o) for o in fx.outcomes)
                prepared.decisions.extend(fx.decisions)
                trigger = fx.decisions[0].trigger_type if fx.decisions else "cadence"
                letter = message_letter(trigger)
                for c in fx.contacts:
                    if self._journal is not None:
                        prepared.messages.append((len(prepared.outputs), c, letter))
                    prepared.outputs.append(Outbound(self._topics.contacts, c.debtor_id, encode(c)))
                for d in fx.decisions:
                    prepared.published[d.decision_id] = len(prepared.outputs)
                    prepared.outputs.append(
                        Outbound(self._topics.decisions, d.debtor_id, encode(d))
                    )
                prepared.tasks.extend(fx.tasks)
                prepared.outputs.extend(
                    Outbound(self._topics.tasks, t.debtor_id, encode(t)) for t in fx.tasks
                )
                prepared.schedule_add.extend(fx.schedule_add)
                prepared.schedule_remove.extend(fx.schedule_remove)
        return prepared

    async def _without_conflicts(
        self, parsed: list[tuple[Inbound, DecidableEvent]], prepared: Prepared
    ) -> list[tuple[Inbound, DecidableEvent]]:
        """Dead-letter events whose id already names other content."""
        if self._digests is None:
            return parsed
        # A progress receipt changes nothing (``_no_effect``): a second one under
        # its id, whatever it says, is as harmless as the first, so its id is
        # not claimed (a field of the debtor's hash per receipt, for nothing).
        inputs = [
            (i, ev)
            for i, (_, ev) in enumerate(parsed)
            if isinstance(ev, Event) and not _no_effect(ev)
        ]
        bad = await self._digests.conflicts([ev for _, ev in inputs])
        conflicting = {inputs[j][0] for j in bad}
        for i in sorted(conflicting):
            record, event = parsed[i]
            why = f"event_id {event.event_id!r} was already used for an event with other content"
            prepared.outputs.append(self.dead_letter(record, EventIdConflict(why)))
        return [item for i, item in enumerate(parsed) if i not in conflicting]

    async def _decide_debtor(
        self,
        ref: DebtorRef,
        items: list[tuple[Inbound, DecidableEvent]],
        loaded: Loaded,
    ) -> tuple[DebtorRef, Change | None, list[Effects], list[Outbound]]:
        state, seen = loaded.state, set(loaded.seen)
        applied: list[str] = []
        all_fx: list[Effects] = []
        letters: list[Outbound] = []
        for record, event in items:
            if event.event_id in seen:
                self._metrics.event(record.topic, "duplicate")
                continue
            seen.add(event.event_id)
            before = state.to_json()  # undone from this if the event fails
            # Every line logged while deciding (ours, the rules', the learners')
            # carries the tenant and event it is about. Bound and reset with
            # tokens: ``bound_contextvars`` also copies every bound variable
            # first (~1 % of a worker's CPU, per event).
            tokens = bind_contextvars(tenant=ref[0], debtor_id=ref[1], event_id=event.event_id)
            try:
                fx = await self._decide_event(ref, state, record, event)
            except RETRYABLE:
                raise  # infrastructure: the whole batch is retried, nothing acked
            except Exception as exc:
                # A poison event (a bug, a policy gap) must not stop the partition
                # nor vanish: its changes are undone and it is dead-lettered.
                log.exception(
                    "event %s could not be decided",
                    event.event_id,
                    extra={"tenant": ref[0], "debtor_id": ref[1], "event_id": event.event_id},
                )
                state = DebtorState.decode(before)
                letters.append(self.dead_letter(record, failure(exc)))
                applied.append(event.event_id)
                continue
            finally:
                reset_contextvars(**tokens)
            self._metrics.event(record.topic, _fate(fx))
            applied.append(event.event_id)
            all_fx.append(fx)
            letters.extend(
                self.dead_letter(
                    replace(record, topic=self._topics.payments, value=raw.encode()), exc
                )
                for raw, exc in fx.dead_letters
            )
        if not applied:
            return ref, None, all_fx, letters
        return ref, Change(ref, state, applied, []), all_fx, letters

    async def _decide_event(
        self, ref: DebtorRef, state: DebtorState, record: Inbound, event: DecidableEvent
    ) -> Effects:
        ctx = Context(
            tenant_id=ref[0],
            debtor_id=ref[1],
            trigger_event_id=event.event_id,
            trigger_type=event.type,
            now=self._clock.now(),
            received_at=record.timestamp,
            policy_version=self._decider.policy_version(ref[0]),
        )
        fx = self._decider.apply(state, event, ctx)
        for proposed in fx.proposed:
            caps: CapVerdict = CapResult(ok=True)
            if self._caps is not None:
                caps = await self._caps.reserve(
                    ref[0],
                    ref[1],
                    state.jur or "US",
                    proposed.contact_id,
                    proposed.channel,
                    ctx.now,
                )
            self._decider.resolve(state, proposed, caps, ctx, fx)
        for emitted, reasons in fx.cancel_emitted:
            outcome = await self._ledger.cancel(ref[0], ref[1], emitted.contact_id)
            if outcome != "cancelled":
                continue  # already with the provider: too late to stop
            if self._caps is not None:
                await self._caps.release(ref[0], ref[1], emitted.contact_id)
            fx.decisions.append(self._decider.cancel_decision(ctx, emitted, reasons))
        return fx

    async def commit(
        self, prepared: Prepared, positions: Sequence[Position | None] | None = None
    ) -> None:
        """After the broker acked every output: schedule first, then state + seen ids.

        ``positions``: where the broker put each of ``prepared.outputs``, so the
        timeline points at the decisions rather than copying them; without it
        (no broker: a backtest) the timeline keeps compact entries.
        """
        at: dict[str, Position] = {}
        if positions is not None:
            for decision_id, i in prepared.published.items():
                if (where := positions[i]) is not None:
                    at[decision_id] = where
        for change, decisions in prepared.recent:
            change.timeline = timeline_lines(decisions, at)
        await self._schedule.apply(prepared.schedule_add, prepared.schedule_remove)
        if self._tasks is not None and prepared.tasks:
            await self._tasks.open(prepared.tasks)
        await self._store.commit(prepared.changes, self._clock.now().timestamp())
        if self._journal is not None:
            await self._journal.append(
                prepared.journal + message_lines(prepared.messages, positions)
            )
        if self._learner_io is not None and prepared.outcomes:
            await self._learner_io.after_commit(prepared.outcomes)
        for decision in prepared.decisions:
            self._observe(decision)

    def _observe(self, decision: Decision) -> None:
        self._metrics.latency.observe(decision.latency_s)
        self._metrics.decided(
            decision.tenant_id, decision.action.value, (r.rule_id for r in decision.reasons or ())
        )
