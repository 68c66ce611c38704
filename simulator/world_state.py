"""The world's mutable per-debtor state and the items waiting on its clock.

State is numpy columns indexed by debtor, so a contact or a payment touches one
row; items are heap entries keyed by ``(ms, event_id)``, the order events are
handed out in. An item becomes an event only when it is taken, so a payment
sees every payment before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from recaudo.contracts.events import DeliveryEvent, ResponseEvent
from recaudo.models.slots import CHANNELS
from recaudo.simulator.population import NEVER, Population

DAY_MS = 86_400_000


class Kind(IntEnum):
    SNAPSHOT = 0  # payload: day index
    SELF_CURE = 1  # payload: None
    PAYMENT = 2  # payload: Planned
    READY = 3  # payload: Ready


class Effect(IntEnum):
    NONE = 0
    PROMISE = 1
    OPT_OUT = 2
    COMPLAINT = 3


@dataclass(frozen=True, slots=True)
class Ready:
    """An event fixed when the contact was made, and what taking it records."""

    event: DeliveryEvent | ResponseEvent
    effect: Effect = Effect.NONE


@dataclass(frozen=True, slots=True)
class Planned:
    """A payment a contact caused; its amount is capped by what is still due when it happens."""

    amount_minor: int
    contact_id: str
    promised: bool


Payload = int | Planned | Ready | None
Item = tuple[int, str, Kind, int, Payload]


@dataclass(slots=True)
class WorldState:
    """What has happened so far, per debtor."""

    due_left: npt.NDArray[np.int64]
    balance_left: npt.NDArray[np.int64]
    recovered: npt.NDArray[np.int64]
    enrolled: npt.NDArray[np.bool_]
    settled_sent: npt.NDArray[np.bool_]
    self_cured: npt.NDArray[np.bool_]
    opted_out_ms: npt.NDArray[np.int64]  # (n, channels): from when each channel is refused
    opted_out: npt.NDArray[np.bool_]
    complained: npt.NDArray[np.bool_]
    soured_ms: npt.NDArray[np.int64]  # a sleeping dog's self-cure is off from then
    pending_ms: npt.NDArray[np.int64]  # a persuaded payment or promise runs until then
    contacts: npt.NDArray[np.int32]
    promises: npt.NDArray[np.int32]
    promises_kept: npt.NDArray[np.int32]
    contact_times: dict[int, list[int]] = field(default_factory=dict)
    seen_contacts: set[str] = field(default_factory=set)

    @classmethod
    def initial(cls, pop: Population) -> WorldState:
        n = len(pop.type)
        return cls(
            due_left=pop.amount_due0.copy(),
            balance_left=pop.balance0.copy(),
            recovered=np.zeros(n, np.int64),
            enrolled=np.zeros(n, np.bool_),
            settled_sent=np.zeros(n, np.bool_),
            self_cured=np.zeros(n, np.bool_),
            opted_out_ms=np.full((n, len(CHANNELS)), NEVER, np.int64),
            opted_out=np.zeros(n, np.bool_),
            complained=np.zeros(n, np.bool_),
            soured_ms=np.full(n, NEVER, np.int64),
            pending_ms=np.zeros(n, np.int64),
            contacts=np.zeros(n, np.int32),
            promises=np.zeros(n, np.int32),
            promises_kept=np.zeros(n, np.int32),
        )

    def recent_contacts(self, i: int, at_ms: int, days: int) -> int:
        lo = at_ms - days * DAY_MS
        return sum(1 for t in self.contact_times.get(i, ()) if lo < t <= at_ms)

    def pay(self, i: int, amount: int, settle: bool = False) -> int:
        """Apply a payment of at most what is due (the balance if it settles); returns it."""
        applied = int(self.balance_left[i] if settle else min(amount, self.due_left[i]))
        self.due_left[i] = max(0, int(self.due_left[i]) - applied)
        self.balance_left[i] -= applied
        self.recovered[i] += applied
        return applied
