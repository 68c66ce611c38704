"""A portfolio of current accounts with due dates ahead, and customers who forget.

The world the reminder benchmark runs the live path against (``recaudo
backtest``'s ``EventSource``): every account is current with one installment
due on a day of the run; the lender's feed sends a snapshot a day (current
until the due date, then delinquent with its days past due until paid).
Hidden types (``PreventionConfig``):

- *on time*: pays anyway, a few days before or on the due date;
- *forgetful*: can pay, but without a reminder that reaches them near the due
  date pays late (days to weeks after it); a reminder they notice in the last
  ``memory_days`` before the due date makes them pay on time (with
  ``remind_pay_prob``), an earlier one less often (they forget again); any
  contact they notice after the due date makes them pay within two days;
- *unable*: never pays in the run, whatever they are sent.

Whether a contact is noticed is the portfolio's reach of the channel times the
affinity of the local time slot (``simulator.portfolio``): the same attention
model as the collection world, so channel and hour matter for the same reasons.
Every draw that does not depend on contacts is made at construction from
``(seed, 21)``; each contact's draws from ``(seed, contact_id)``. Same seed and
same contacts give the same events; strategies compare paired.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from dataclasses import dataclass

import numpy as np

from recaudo.contracts.events import (
    AccountEvent,
    AccountStatus,
    DeliveryStatus,
    InputEvent,
    Money,
    PaymentEvent,
    PaymentMethod,
)
from recaudo.contracts.outputs import ContactCommand
from recaudo.models.slots import CHANNELS, slot_of
from recaudo.simulator.paydays import from_ms, to_ms
from recaudo.simulator.portfolio import PRODUCTS, AccountTable, generate_accounts
from recaudo.simulator.receipts import receipt

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
ON_TIME, FORGETFUL, UNABLE = 0, 1, 2
NEVER = np.iinfo(np.int64).max
OFF_HOURS_AFFINITY = 0.15


@dataclass(frozen=True, slots=True)
class PreventionConfig:
    """The world's knobs; set with no strategy in the loop (simulator/README.md)."""

    days: int = 40
    #: The due date falls on a day of the run in [first, last] (30+ must be observable).
    due_days: tuple[int, int] = (6, 9)
    #: Shares of (on time, forgetful, unable).
    type_shares: tuple[float, float, float] = (0.7, 0.2, 0.1)
    #: On-time payers pay 0..this many days before the due date.
    on_time_lead_days: int = 4
    #: A forgetful customer left alone pays this many days late on average (exponential, +1).
    late_mean_days: float = 10.0
    #: A noticed reminder in the last ``memory_days`` before the due date (inclusive of the
    #: due date itself) makes a forgetful customer pay on time with this probability.
    memory_days: int = 2
    remind_pay_prob: float = 0.8
    #: The same for a noticed reminder sent earlier than that: they may forget again.
    early_remind_pay_prob: float = 0.3
    #: Opt-out probability per delivered reminder, times the debtor's opt-out rate scale.
    opt_out_scale: float = 1.0


@dataclass(frozen=True, slots=True)
class PreventionTruth:
    debtors: int
    rolled_1: int  # not paid by the end of the due date
    rolled_30: int  # not paid 30 days after it
    contacts: int
    noticed: int
    opted_out: int
    by_type: dict[str, tuple[int, int]]  # type -> (debtors, rolled to 1+)


TYPE_NAMES = ("on_time", "forgetful", "unable")


class PreventionWorld:
    """Current accounts falling due during the run; an ``EventSource`` for the backtest."""

    def __init__(
        self,
        n_debtors: int,
        seed: int,
        tenant_id: str,
        start: dt.datetime,
        config: PreventionConfig | None = None,
    ) -> None:
        self.config = cfg = config or PreventionConfig()
        self.seed, self.tenant_id = seed, tenant_id
        self.table: AccountTable = generate_accounts(n_debtors, seed)
        rng = np.random.default_rng([seed, 21])
        n = n_debtors
        self.type = rng.choice(3, size=n, p=np.array(cfg.type_shares)).astype(np.int8)
        self.due_day = rng.integers(cfg.due_days[0], cfg.due_days[1] + 1, n)
        self._start_ms = to_ms(start)
        self._start_date = start.date()
        self._end_ms = self._start_ms + cfg.days * DAY_MS
        deadline = self._start_ms + (self.due_day + 1) * DAY_MS
        self.deadline_ms = deadline.astype(np.int64)
        hour = rng.integers(9 * HOUR_MS, 20 * HOUR_MS, n)
        lead = rng.integers(0, cfg.on_time_lead_days + 1, n)
        late = 1 + np.floor(rng.exponential(cfg.late_mean_days, n)).astype(np.int64)
        own = np.where(
            self.type == ON_TIME,
            deadline - (lead + 1) * DAY_MS + hour,
            np.where(self.type == FORGETFUL, deadline + (late - 1) * DAY_MS + hour, NEVER),
        )
        self.paid_ms = np.full(n, NEVER, np.int64)
        self.contacts = np.zeros(n, np.int32)
        self.noticed = np.zeros(n, np.int32)
        self.opted_out = np.zeros(n, np.bool_)
        self._jitter = rng.integers(0, 600_000, n)
        self._seen: set[str] = set()
        self._index = {self.table.debtor_id(i): i for i in range(n)}
        self._heap: list[tuple[int, str, int, InputEvent | None]] = [
            (int(ms), f"pay-{seed}-{i:07d}-own", i, None)
            for i, ms in enumerate(own.tolist())
            if ms < self._end_ms
        ]
        heapq.heapify(self._heap)
        self._days_made = 0

    # -- the driver's API ----------------------------------------------------------

    def next_time(self) -> dt.datetime | None:
        self._make_days(self._heap[0][0] if self._heap else self._end_ms)
        while self._heap and self._void(self._heap[0]):
            heapq.heappop(self._heap)
            self._make_days(self._heap[0][0] if self._heap else self._end_ms)
        return from_ms(self._heap[0][0]) if self._heap else None

    def take_until(self, t: dt.datetime) -> list[InputEvent]:
        limit = min(to_ms(t), self._end_ms - 1)
        self._make_days(limit)
        out: list[InputEvent] = []
        while self._heap and self._heap[0][0] <= limit:
            item = heapq.heappop(self._heap)
            if self._void(item):
                continue
            out.append(self._materialise(item))
        return out

    def contact(self, command: ContactCommand, sent_at: dt.datetime) -> None:
        """The provider accepted ``command``: the customer may notice it and act."""
        i = self._index[command.debtor_id]
        if command.contact_id in self._seen or to_ms(sent_at) >= self._end_ms:
            return
        self._seen.add(command.contact_id)
        self.contacts[i] += 1
        rng = random.Random(f"{self.seed}|{command.contact_id}")
        t0 = to_ms(sent_at)
        k = CHANNELS.index(command.channel)
        if rng.random() < float(self.table.delivery_failure[i, k]):
            self._receipt(command, t0 + 2_000, DeliveryStatus.FAILED, permanent=True)
            return
        self._receipt(command, t0 + 5_000, DeliveryStatus.DELIVERED)
        slot = slot_of(sent_at, self.table.timezone(i))
        affinity = OFF_HOURS_AFFINITY if slot is None else float(self.table.slot_affinity[i, slot])
        if rng.random() < self.config.opt_out_scale * float(self.table.opt_out_rate[i]):
            self.opted_out[i] = True
            self._receipt(command, t0 + 600_000, DeliveryStatus.UNSUBSCRIBED)
            return
        if rng.random() >= float(self.table.reach[i, k]) * affinity:
            return
        self.noticed[i] += 1
        self._receipt(command, t0 + 300_000, DeliveryStatus.CLICKED)
        if self.type[i] != FORGETFUL or self.paid_ms[i] != NEVER:
            return
        deadline = int(self.deadline_ms[i])
        if t0 >= deadline:  # past due: they just forgot, and pay within two days
            self._pay(i, t0 + rng.randrange(HOUR_MS, 2 * DAY_MS), "nudge")
            return
        near = t0 >= deadline - self.config.memory_days * DAY_MS - DAY_MS
        p = self.config.remind_pay_prob if near else self.config.early_remind_pay_prob
        if rng.random() < p:
            pay_at = t0 + rng.randrange(600_000, max(600_001, (deadline - t0) // 2))
            self._pay(i, pay_at, "reminded")

    def truth(self) -> PreventionTruth:
        paid = self.paid_ms
        rolled1 = paid >= self.deadline_ms
        rolled30 = paid >= self.deadline_ms + 29 * DAY_MS
        by_type = {
            name: (int((self.type == k).sum()), int(rolled1[self.type == k].sum()))
            for k, name in enumerate(TYPE_NAMES)
        }
        return PreventionTruth(
            debtors=len(paid),
            rolled_1=int(rolled1.sum()),
            rolled_30=int(rolled30.sum()),
            contacts=int(self.contacts.sum()),
            noticed=int(self.noticed.sum()),
            opted_out=int(self.opted_out.sum()),
            by_type=by_type,
        )

    # -- internals -----------------------------------------------------------------

    def _pay(self, i: int, at_ms: int, why: str) -> None:
        if at_ms < self._end_ms:
            heapq.heappush(self._heap, (at_ms, f"pay-{self.seed}-{i:07d}-{why}", i, None))

    def _receipt(
        self, c: ContactCommand, ms: int, status: DeliveryStatus, permanent: bool = False
    ) -> None:
        if ms >= self._end_ms:
            return
        event = receipt(c, ms, status, permanent)
        heapq.heappush(self._heap, (ms, event.event_id, -1, event))

    def _void(self, item: tuple[int, str, int, InputEvent | None]) -> bool:
        """A payment of an account already paid turns into nothing."""
        return item[3] is None and item[2] >= 0 and self.paid_ms[item[2]] != NEVER

    def _make_days(self, until_ms: int) -> None:
        while self._days_made < self.config.days:
            base = self._start_ms + self._days_made * DAY_MS
            if base > until_ms:
                return
            d = self._days_made
            self._days_made += 1
            for i in range(len(self.table)):
                event = self._snapshot(i, d, base + int(self._jitter[i]))
                heapq.heappush(self._heap, (base + int(self._jitter[i]), event.event_id, -1, event))

    def _snapshot(self, i: int, day: int, ms: int) -> AccountEvent:
        t = self.table
        due_day = int(self.due_day[i])
        paid = self.paid_ms[i] <= ms
        late = day - due_day
        due = 0 if paid else int(t.amount_due_minor[i])
        status = AccountStatus.DELINQUENT if late > 0 and not paid else AccountStatus.CURRENT
        currency = t.currency(i)
        return AccountEvent(
            event_id=f"acct-{self.seed}-{i:07d}-{day:03d}",
            tenant_id=self.tenant_id,
            occurred_at=from_ms(ms),
            debtor_id=t.debtor_id(i),
            account_id=t.account_id(i),
            balance=Money(amount_minor=int(t.balance_minor[i]), currency=currency),
            amount_due=Money(amount_minor=due, currency=currency),
            due_date=self._start_date + dt.timedelta(days=due_day),
            days_past_due=max(0, late) if status is AccountStatus.DELINQUENT else 0,
            status=status,
            product=PRODUCTS[int(t.product[i])],
            jurisdiction=t.jurisdiction(i),
            timezone=t.timezone(i),
            language=t.language(i),
            contact_points=t.contact_points(i),
            segment=t.segment_name(i),
            **t.message_fields(i),
        )

    def _materialise(self, item: tuple[int, str, int, InputEvent | None]) -> InputEvent:
        ms, event_id, i, event = item
        if event is not None:
            return event
        self.paid_ms[i] = ms
        t = self.table
        at = from_ms(ms)
        return PaymentEvent(
            event_id=event_id,
            tenant_id=self.tenant_id,
            occurred_at=at,
            debtor_id=t.debtor_id(i),
            payment_id=f"p-{event_id}",
            account_id=t.account_id(i),
            amount=Money(amount_minor=int(t.amount_due_minor[i]), currency=t.currency(i)),
            method=PaymentMethod.BANK_TRANSFER,
            paid_at=at,
        )
