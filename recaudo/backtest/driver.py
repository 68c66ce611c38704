"""The event-time loop: world events, the decide stage, dispatch and the schedule tick.

Every ``tick`` of simulated time the clock moves forward and, in rounds until
nothing is left at that instant: the schedule releases what came due, the
decide stage takes the events that happened (in occurred-at order) and those
releases, its outputs are "acked" (kept in memory), its state committed, and
the contacts it emitted are dispatched to the sandbox providers; their receipts
are decided in the next round. A world source then hears of each contact the
provider accepted and answers with the debtor's reactions, in the future.

Deterministic: the same source, policy and seed give the same decisions in the
same order (the digest in ``BacktestResult``), because every id and every
learner draw on the path is derived from its inputs, never from the wall clock.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import orjson
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from recaudo.backtest.outcome import TenantOutcome, read_outcomes
from recaudo.backtest.sources import EventSource
from recaudo.backtest.work_queue import AnswersCalls, WorkQueue
from recaudo.channels.dispatch.ledger import ContactLedger
from recaudo.channels.dispatch.runtime import WorkerDispatcher
from recaudo.channels.dispatch.stage import Dispatching
from recaudo.channels.sandbox import Sandbox, sandbox_credentials
from recaudo.contracts.codec import encode
from recaudo.contracts.events import DeliveryStatus, InputEvent
from recaudo.contracts.outputs import Action, ContactCommand
from recaudo.contracts.topics import topic_of
from recaudo.foundation.clock import SimulatedClock
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.streams.decision_stage import Inbound, Outbound
from recaudo.streams.tasks import Task
from recaudo.streams.wiring import Wiring, build_wiring

#: (tenant, debtor, channel, hour of the decision (UTC), rule): one contact decided.
ContactKey = tuple[str, str, str, int, str]
#: Statuses with which a provider accepted a contact: the debtor will see it.
ACCEPTED = frozenset({DeliveryStatus.QUEUED, DeliveryStatus.SENT, DeliveryStatus.DELIVERED})
MAX_ROUNDS = 6


@dataclass
class BacktestResult:
    start: dt.datetime
    end: dt.datetime
    inputs: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    contacts_by_channel: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    dead_letters: int = 0
    ticks: int = 0
    wall_s: float = 0.0
    digest: str = ""
    #: Each tenant's outcome report, read from the backtest's state before it is removed.
    outcomes: dict[str, TenantOutcome] = field(default_factory=dict)
    #: Every contact decided, to diff two policies on a log whose reactions are fixed.
    contacts: Counter[ContactKey] = field(default_factory=Counter)
    #: Tasks for people opened, and the simulated team's calls by outcome.
    tasks_opened: int = 0
    calls: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "simulated_days": (self.end - self.start).total_seconds() / 86400,
            "inputs": self.inputs,
            "decisions": dict(sorted(self.actions.items())),
            "contacts_by_channel": dict(sorted(self.contacts_by_channel.items())),
            "sent": self.sent,
            "dead_letters": self.dead_letters,
            "ticks": self.ticks,
            "wall_s": round(self.wall_s, 2),
            "decisions_digest": self.digest,
            "tasks_opened": self.tasks_opened,
            "team_calls": dict(sorted(self.calls.items())),
        }


class Backtest:
    def __init__(
        self,
        settings: Settings,
        source: EventSource,
        *,
        start: dt.datetime,
        days: float,
        tick: dt.timedelta = dt.timedelta(minutes=10),
        decisions_out: BinaryIO | None = None,
        keep_state: bool = False,
        progress: Callable[[dt.datetime, int], None] | None = None,
        team_calls_per_day: int = 0,
    ) -> None:
        self._settings = settings
        self._source = source
        self._start = start.astimezone(dt.UTC)
        self._end = self._start + dt.timedelta(days=days)
        self._tick = tick
        self._out = decisions_out
        self._keep_state = keep_state
        self._progress = progress
        self._team = WorkQueue(team_calls_per_day)
        self.clock = SimulatedClock(self._start)
        self.wiring: Wiring | None = None

    async def run(self) -> BacktestResult:
        result = BacktestResult(self._start, self._end)
        digest = hashlib.blake2b(digest_size=16)
        started = time.perf_counter()
        creds, signing_key = sandbox_credentials()
        sandbox = Sandbox(
            creds, sendgrid_private_key=signing_key, webhook_base_url=None, clock=self.clock
        )
        await sandbox.start()

        def dispatcher(client: aioredis.Redis, keys: Keys, ledger: ContactLedger) -> Dispatching:
            # The real adapters against the sandbox; receipts come from the source.
            return WorkerDispatcher(
                client,
                keys,
                ledger,
                credentials=creds,
                provider_base_url=sandbox.url,
                webhook_base_url="http://backtest.invalid",
                ttl_s=self._settings.contact_ttl_s,
                clock=self.clock,
            )

        wiring = build_wiring(
            self._settings,
            registry=CollectorRegistry(),
            dispatcher_factory=dispatcher,
            clock=self.clock,
        )
        self.wiring = wiring
        try:
            carry: list[Inbound] = []
            now = self._start
            while now < self._end:
                now = min(await self._next_instant(wiring, now, bool(carry)), self._end)
                self.clock.advance_to(now)
                result.ticks += 1
                inputs = [self._inbound(e) for e in self._source.take_until(now)]
                if isinstance(self._source, AnswersCalls):
                    inputs += [self._inbound(e) for e in self._team.work(now, self._source)]
                carry = await self._instant(wiring, [*carry, *inputs], result, digest)
                if self._progress is not None:
                    self._progress(now, result.inputs)
            await self._instant(wiring, carry, result, digest)
            result.outcomes = await read_outcomes(wiring, self._end.timestamp())
            result.tasks_opened, result.calls = self._team.opened_count, self._team.outcomes
        finally:
            if not self._keep_state:
                await _forget(wiring.redis, self._settings.redis_prefix)
            await wiring.close()
            await sandbox.stop()
        result.wall_s = time.perf_counter() - started
        result.digest = digest.hexdigest()
        return result

    async def _next_instant(self, wiring: Wiring, now: dt.datetime, busy: bool) -> dt.datetime:
        """The next tick at which anything happens: quiet stretches are skipped."""
        step = now + self._tick
        if busy:
            return step
        candidates = [self._source.next_time(), self._end, self._team.next_time(now)]
        due = await wiring.schedule.next_due()
        if due is not None:
            candidates.append(dt.datetime.fromtimestamp(due, dt.UTC))
        soonest = min(c for c in candidates if c is not None)
        if soonest <= step:
            return step
        ticks = -(-(soonest - now) // self._tick)  # ceiling: land on the tick grid
        return now + ticks * self._tick

    async def _instant(
        self,
        wiring: Wiring,
        inputs: list[Inbound],
        result: BacktestResult,
        digest: hashlib.blake2b,
    ) -> list[Inbound]:
        """Everything that happens at this instant; receipts beyond MAX_ROUNDS carry over."""
        pending = inputs
        for _ in range(MAX_ROUNDS):
            released = await wiring.timer.claim()
            decide_in = [
                *pending,
                *(_as_inbound(o) for o in released.outputs if o.topic != wiring.topics.contacts),
            ]
            dispatch_in = [
                _as_inbound(o) for o in released.outputs if o.topic == wiring.topics.contacts
            ]
            if not decide_in and not dispatch_in:
                await wiring.timer.settle(released)
                return []
            decide_in.sort(key=_event_order)
            stamped = time.time()  # the wall instant it was "consumed", as the broker's stamp
            decide_in = [dataclasses.replace(r, timestamp=stamped) for r in decide_in]
            result.inputs += len(decide_in)
            if decide_in:
                prepared = await wiring.decision_stage.prepare(decide_in)
                for out in prepared.outputs:
                    if out.topic == wiring.topics.decisions:
                        digest.update(_without_latency(out.value))
                        if self._out is not None:
                            self._out.write(out.value + b"\n")
                    elif out.topic == wiring.topics.contacts:
                        dispatch_in.append(_as_inbound(out))
                    elif out.topic == wiring.topics.dead_letters:
                        result.dead_letters += 1
                    elif out.topic == wiring.topics.tasks:
                        self._team.opened(Task.model_validate_json(out.value))
                for decision in prepared.decisions:
                    result.actions[decision.action.value] += 1
                    if decision.action is Action.CONTACT and decision.channel is not None:
                        rule = decision.reasons[0].rule_id if decision.reasons else ""
                        key = (decision.tenant_id, decision.debtor_id, decision.channel.value)
                        result.contacts[(*key, decision.decided_at.hour, rule)] += 1
                await wiring.decision_stage.commit(prepared)
            await wiring.timer.settle(released)
            pending = await self._dispatch(wiring, dispatch_in, result)
        return pending

    async def _dispatch(
        self, wiring: Wiring, records: Sequence[Inbound], result: BacktestResult
    ) -> list[Inbound]:
        outputs = await asyncio.gather(*(wiring.dispatch_stage.handle(r) for r in records))
        receipts: list[Inbound] = []
        now = self.clock.now()
        for record, outs in zip(records, outputs, strict=True):
            command = ContactCommand.model_validate_json(record.value)
            for out in outs:
                receipt = _as_inbound(out)
                receipts.append(receipt)
                if out.topic != wiring.topics.deliveries:
                    continue
                status = orjson.loads(out.value).get("status")
                if status in ACCEPTED:
                    result.sent += 1
                    result.contacts_by_channel[command.channel.value] += 1
                    self._source.contact(command, now)
        return [r for r in receipts if r.topic == wiring.topics.deliveries]

    def _inbound(self, event: InputEvent) -> Inbound:
        assert self.wiring is not None
        topic = self.wiring.topics.name(topic_of(event))
        return Inbound(
            topic=topic,
            partition=None,
            offset=None,
            key=event.debtor_id.encode(),
            value=encode(event),
            timestamp=event.occurred_at.timestamp(),
        )


def _event_order(record: Inbound) -> tuple[float, bytes]:
    """Records of one instant in event-time order (a record's timestamp is its event time
    until it is consumed)."""
    return (record.timestamp, record.value)


def _without_latency(decision: bytes) -> bytes:
    """The decision minus its wall-clock latency: what the determinism digest covers."""
    data = orjson.loads(decision)
    data.pop("latency_s", None)
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def _as_inbound(out: Outbound) -> Inbound:
    """An output as the next stage would consume it; timestamped by the record itself."""
    data = orjson.loads(out.value)
    at = data.get("occurred_at") or data.get("due_at") or data.get("send_at")
    stamp = dt.datetime.fromisoformat(at).timestamp() if isinstance(at, str) else 0.0
    return Inbound(out.topic, None, None, out.key.encode(), out.value, stamp)


async def _forget(client: aioredis.Redis, prefix: str) -> None:
    """Remove every key this backtest wrote (its own prefix): it leaves nothing behind."""
    batch: list[bytes | str] = []
    async for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            await client.unlink(*batch)
            batch.clear()
    if batch:
        await client.unlink(*batch)
