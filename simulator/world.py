"""A simulated portfolio that reacts to the contacts the real service sends.

The backtest drives it on event time: ``take_until`` hands out the lender's
daily account snapshots, self-cure payments and the consequences of earlier
contacts; ``contact`` tells it the provider accepted a contact. Hidden truth
(types, what was recovered) comes out of ``truth``, and that of the same
debtors never contacted out of ``untreated``: the benchmark's and the
backtest's measure of what a policy really added.

Events are made lazily, in ``(occurred_at, event_id)`` order, from a heap of
items; a payment becomes an event only when taken, so it is capped by what is
still due then, and the next snapshot shows it. Nothing happens at or after
``start + config.days``: the world ends there.
"""

from __future__ import annotations

import datetime as dt
import heapq

import numpy as np

from recaudo.contracts.events import (
    AccountEvent,
    AccountStatus,
    InputEvent,
    Money,
    PaymentEvent,
    PaymentMethod,
)
from recaudo.contracts.outputs import ContactCommand
from recaudo.simulator.agent_call import CallOutcome, agent_call
from recaudo.simulator.paydays import from_ms, to_ms
from recaudo.simulator.population import draw_population
from recaudo.simulator.portfolio import PRODUCTS, AccountTable, generate_accounts
from recaudo.simulator.world_config import TYPES, DebtorTruth, WorldConfig, WorldTruth
from recaudo.simulator.world_contact import Context, react
from recaudo.simulator.world_state import DAY_MS, Effect, Item, Kind, Planned, Ready, WorldState

#: The lender's feed spreads a day's snapshots over its first ten minutes.
FEED_SPREAD_MS = 600_000


class World:
    """A seeded portfolio on event time; the same seed and contacts give the same events."""

    def __init__(
        self,
        n_debtors: int,
        seed: int,
        tenant_id: str,
        start: dt.datetime,
        config: WorldConfig | None = None,
    ) -> None:
        self.config = config or WorldConfig()
        self.seed, self.tenant_id, self.start = seed, tenant_id, start
        self.table: AccountTable = generate_accounts(n_debtors, seed)
        self.pop = draw_population(self.table, seed, start, self.config)
        self.state = WorldState.initial(self.pop)
        self._start_ms = to_ms(start)
        self._ctx = Context(seed, self.config, self.table, self.pop, self._start_ms)
        self._end_ms = self._start_ms + self.config.days * DAY_MS
        self._jitter = np.random.default_rng([seed, 9]).integers(0, FEED_SPREAD_MS, n_debtors)
        self._days_made = 0
        self._index = {self.table.debtor_id(i): i for i in range(n_debtors)}
        self._last: dict[int, AccountEvent] = {}
        cures = np.flatnonzero(
            (self.pop.self_cure_ms > self._start_ms) & (self.pop.self_cure_ms < self._end_ms)
        )
        self._heap: list[Item] = [
            (
                int(self.pop.self_cure_ms[i]),
                f"pay-{seed}-{i:07d}-self",
                Kind.SELF_CURE,
                int(i),
                None,
            )
            for i in cures.tolist()
        ]
        heapq.heapify(self._heap)

    # -- the driver's API -------------------------------------------------------------

    def next_time(self) -> dt.datetime | None:
        """``occurred_at`` of the earliest event not yet taken, ``None`` if none is left."""
        while True:
            day_ms = self._next_day_ms()
            head = self._heap[0][0] if self._heap else None
            if day_ms is not None and (head is None or day_ms <= head):
                self._make_day()
                continue
            if head is None:
                return None
            if self._void(self._heap[0]):
                self._drop(heapq.heappop(self._heap))
                continue
            return from_ms(head)

    def take_until(self, t: dt.datetime) -> list[InputEvent]:
        """Every event with ``occurred_at <= t`` not yet taken, by ``(occurred_at, event_id)``."""
        limit = min(to_ms(t), self._end_ms - 1)
        events: list[InputEvent] = []
        while True:
            day_ms = self._next_day_ms()
            if day_ms is not None and day_ms <= limit:
                self._make_day()
                continue
            if not self._heap or self._heap[0][0] > limit:
                return events
            item = heapq.heappop(self._heap)
            if self._void(item):
                self._drop(item)
                continue
            events.append(self._materialise(item))

    def contact(self, command: ContactCommand, sent_at: dt.datetime) -> None:
        """The provider accepted ``command`` at ``sent_at``: schedule what follows from it.

        The debtor answers from what the events taken so far say (what is still due), so
        send each contact once the world has been taken up to ``sent_at``; anything it
        causes before the last ``take_until`` limit comes out in the next call, late.
        A repeated ``contact_id`` is ignored (providers deduplicate on it).
        """
        i = self._index.get(command.debtor_id)
        if i is None:
            raise KeyError(f"unknown debtor {command.debtor_id!r}")
        if command.contact_id in self.state.seen_contacts:
            return
        self.state.seen_contacts.add(command.contact_id)
        if to_ms(sent_at) >= self._end_ms:
            return  # the world has ended: nothing more happens in it
        for item in react(self._ctx, self.state, i, command, sent_at):
            if item[0] < self._end_ms:
                heapq.heappush(self._heap, item)

    def agent_call(self, debtor_id: str, call_id: str, at: dt.datetime) -> CallOutcome:
        """A collector calls the debtor (a backtest's work queue): what they record.

        A repeated ``call_id`` is one call (the outcome is not drawn twice).
        """
        i = self._index.get(debtor_id)
        if i is None:
            raise KeyError(f"unknown debtor {debtor_id!r}")
        seen = self.state.seen_contacts
        if call_id in seen:
            return CallOutcome.NO_ANSWER
        seen.add(call_id)
        t0 = to_ms(at)
        if t0 >= self._end_ms:
            return CallOutcome.NO_ANSWER
        outcome, items = agent_call(self._ctx, self.state, i, call_id, t0)
        for item in items:
            if item[0] < self._end_ms:
                heapq.heappush(self._heap, item)
        return outcome

    def truth(self) -> WorldTruth:
        """Hidden ground truth as of the events taken so far."""
        s, t, p = self.state, self.table, self.pop
        debtors = tuple(
            DebtorTruth(
                debtor_id=t.debtor_id(i),
                type=TYPES[int(p.type[i])],
                currency=t.currency(i),
                enrolled=bool(s.enrolled[i]),
                owed_minor=int(p.amount_due0[i]),
                balance_minor=int(p.balance0[i]),
                recovered_minor=int(s.recovered[i]),
                contacts=int(s.contacts[i]),
                opted_out=bool(s.opted_out[i]),
                complained=bool(s.complained[i]),
                self_cured=bool(s.self_cured[i]),
                would_self_cure=self._start_ms < int(p.self_cure_ms[i]) < self._end_ms,
                promises=int(s.promises[i]),
                promises_kept=int(s.promises_kept[i]),
            )
            for i in range(len(t))
        )
        owed: dict[str, int] = {}
        got: dict[str, int] = {}
        shares = []
        for d in debtors:
            if d.enrolled:
                owed[d.currency] = owed.get(d.currency, 0) + d.owed_minor
                got[d.currency] = got.get(d.currency, 0) + d.recovered_minor
                shares.append(min(1.0, d.recovered_minor / d.owed_minor))
        return WorldTruth(
            debtors=debtors,
            owed_by_currency=owed,
            recovered_by_currency=got,
            enrolled=len(shares),
            recovered_share=float(np.mean(shares)) if shares else 0.0,
            self_cured=int(s.self_cured.sum()),
            contacts=int(s.contacts.sum()),
            opted_out=int(s.opted_out.sum()),
            complained=int(s.complained.sum()),
            promises=int(s.promises.sum()),
            promises_kept=int(s.promises_kept.sum()),
        )

    def untreated(self, until: dt.datetime) -> WorldTruth:
        """The truth of the same debtors with no contact at all, up to ``until``.

        A fresh world of the same seed and config, taken to ``until`` untouched: its
        draws (types, self-cures, paydays) are this world's, so comparing the two
        truths debtor by debtor gives what the contacts really added.
        """
        world = World(len(self.table), self.seed, self.tenant_id, self.start, self.config)
        world.take_until(until)
        return world.truth()

    # -- internals --------------------------------------------------------------------

    def _next_day_ms(self) -> int | None:
        if self._days_made >= self.config.days:
            return None
        return self._start_ms + self._days_made * DAY_MS

    def _make_day(self) -> None:
        """Queue one snapshot per debtor still in the lender's feed for the next day."""
        d = self._days_made
        self._days_made += 1
        base = self._start_ms + d * DAY_MS
        for i in np.flatnonzero(~self.state.settled_sent).tolist():
            item: Item = (
                base + int(self._jitter[i]),
                f"acct-{self.seed}-{i:07d}-{d:03d}",
                Kind.SNAPSHOT,
                i,
                d,
            )
            heapq.heappush(self._heap, item)

    def _void(self, item: Item) -> bool:
        """Items that turn into nothing: their outcome can no longer change, so drop them early."""
        ms, _, kind, i, _ = item
        if kind is Kind.SNAPSHOT:
            return bool(self.state.settled_sent[i])
        if kind is Kind.SELF_CURE:
            return self.state.due_left[i] <= 0 or self.state.soured_ms[i] <= ms
        if kind is Kind.PAYMENT:
            return self.state.due_left[i] <= 0
        return False

    def _drop(self, item: Item) -> None:
        # A kept promise whose debt was paid meanwhile still counts as kept.
        if item[2] is Kind.PAYMENT and isinstance(item[4], Planned) and item[4].promised:
            self.state.promises_kept[item[3]] += 1

    def _materialise(self, item: Item) -> InputEvent:
        ms, event_id, kind, i, payload = item
        s = self.state
        if kind is Kind.SNAPSHOT:
            assert isinstance(payload, int)
            return self._snapshot(i, payload, ms, event_id)
        if isinstance(payload, Ready):
            if payload.effect is Effect.PROMISE:
                s.promises[i] += 1
            elif payload.effect is Effect.OPT_OUT:
                s.opted_out[i] = True
            elif payload.effect is Effect.COMPLAINT:
                s.complained[i] = True
            return payload.event
        if kind is Kind.SELF_CURE:
            s.self_cured[i] = True
            settle = bool(self.pop.settles[i])
            amount = s.pay(i, int(s.due_left[i]), settle=settle)
            payment_id = f"p-{self.seed}-{i:07d}-self"
        else:
            assert isinstance(payload, Planned)
            amount, payment_id = s.pay(i, payload.amount_minor), f"p-{payload.contact_id}"
            if payload.promised:
                s.promises_kept[i] += 1
        at = from_ms(ms)
        return PaymentEvent(
            event_id=event_id,
            tenant_id=self.tenant_id,
            occurred_at=at,
            debtor_id=self.table.debtor_id(i),
            payment_id=payment_id,
            account_id=self.table.account_id(i),
            amount=Money(amount_minor=amount, currency=self.table.currency(i)),
            method=PaymentMethod.BANK_TRANSFER,
            paid_at=at,
        )

    def _snapshot(self, i: int, day: int, ms: int, event_id: str) -> AccountEvent:
        """The lender's view of account ``i`` on ``day``: depth grows, payments show."""
        t, p, s = self.table, self.pop, self.state
        enrol = int(p.enrol_day[i])
        first = p.first_dates[int(t.region[i])]
        due_date = first + dt.timedelta(days=enrol - int(p.dpd0[i]))
        due, balance = int(s.due_left[i]), int(s.balance_left[i])
        if day < enrol:
            status, dpd = AccountStatus.CURRENT, 0
        else:
            s.enrolled[i] = True
            if balance <= 0:
                status, dpd = AccountStatus.SETTLED, 0
                s.settled_sent[i] = True
            elif due <= 0:
                status, dpd = AccountStatus.CURRENT, 0
            else:
                status, dpd = AccountStatus.DELINQUENT, int(p.dpd0[i]) + day - enrol
        last = self._last.get(i)
        if last is None:
            # The first snapshot is validated in full; later ones copy the last one with
            # the fields that change (validating 60k snapshots a month takes seconds).
            currency = t.currency(i)
            event = AccountEvent(
                event_id=event_id,
                tenant_id=self.tenant_id,
                occurred_at=from_ms(ms),
                debtor_id=t.debtor_id(i),
                account_id=t.account_id(i),
                balance=Money(amount_minor=balance, currency=currency),
                amount_due=Money(amount_minor=due, currency=currency),
                due_date=due_date,
                days_past_due=dpd,
                status=status,
                product=PRODUCTS[int(t.product[i])],
                jurisdiction=t.jurisdiction(i),
                timezone=t.timezone(i),
                language=t.language(i),
                contact_points=t.contact_points(i),
                segment=t.segment_name(i),
                **t.message_fields(i),
            )
        else:
            currency = last.balance.currency
            fields: dict[str, object] = {
                "event_id": event_id,
                "occurred_at": from_ms(ms),
                "days_past_due": dpd,
                "status": status,
            }
            if last.balance.amount_minor != balance:
                fields["balance"] = Money(amount_minor=balance, currency=currency)
            if last.amount_due.amount_minor != due:
                fields["amount_due"] = Money(amount_minor=due, currency=currency)
            event = last.model_copy(update=fields)
        self._last[i] = event
        return event
