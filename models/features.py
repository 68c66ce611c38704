"""The propensity model's inputs: a few numbers about a debtor at contact time.

Scaling is fixed arithmetic (log of money, caps on counts), not a learned
scaler: a fixed transform needs no state of its own to checkpoint, and a
feature vector stored with a pending attribution means the same thing when its
label arrives days later, whatever the model learned meanwhile.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from recaudo.contracts.events import Channel
from recaudo.foundation.errors import ModelStateError
from recaudo.models.slots import N_SLOTS

#: The field order of the positional JSON rows earlier releases stored.
ROW = (
    *("days_past_due", "balance_minor", "amount_due_minor", "contacts_so_far"),
    *("channel", "slot", "segment", "promises_broken"),
)


@dataclass(frozen=True, slots=True)
class ContactFeatures:
    """What was known about the debtor when a contact was decided."""

    days_past_due: int
    balance_minor: int
    amount_due_minor: int
    contacts_so_far: int
    channel: Channel
    slot: int
    segment: str | None = None
    promises_broken: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able numbers and strings (stored with a pending attribution)."""
        d = asdict(self)
        d["channel"] = self.channel.value
        return d

    def to_line(self) -> str:
        """The same as stored once per open contact (``models.attribution``), kept short:
        ``|``-separated, the segment (a policy's name, which may hold anything) last
        and empty when there is none."""
        numbers = (self.days_past_due, self.balance_minor, self.amount_due_minor)
        counts = (self.contacts_so_far, self.channel.value, self.slot, self.promises_broken)
        return "|".join(map(str, (*numbers, *counts, self.segment or "")))

    @classmethod
    def from_line(cls, line: str) -> ContactFeatures:
        parts = line.split("|", 7)
        if len(parts) != 8:
            raise ModelStateError(f"bad stored features: {line!r}")
        dpd, balance, due, contacts, channel, slot, broken, segment = parts
        named = {"days_past_due": dpd, "balance_minor": balance, "amount_due_minor": due}
        named |= {"contacts_so_far": contacts, "channel": channel, "slot": slot}
        return cls.from_dict(named | {"promises_broken": broken, "segment": segment or None})

    @classmethod
    def from_row(cls, row: list[Any]) -> ContactFeatures:
        if not isinstance(row, list) or len(row) != len(ROW):
            raise ModelStateError(f"bad stored features: {row!r}")
        return cls.from_dict(dict(zip(ROW, row, strict=True)))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ContactFeatures:
        try:
            return cls(
                days_past_due=int(d["days_past_due"]),
                balance_minor=int(d["balance_minor"]),
                amount_due_minor=int(d["amount_due_minor"]),
                contacts_so_far=int(d["contacts_so_far"]),
                channel=Channel(d["channel"]),
                slot=int(d["slot"]),
                segment=d.get("segment"),
                promises_broken=int(d.get("promises_broken", 0)),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ModelStateError(f"bad stored features: {exc}") from exc

    def to_x(self) -> dict[str, float]:
        """The scaled, one-hot feature dict River's linear models take."""
        dpd = max(0, self.days_past_due)
        x: dict[str, float] = {
            "dpd": min(dpd, 360) / 90.0,
            "dpd_log": math.log1p(dpd) / 6.0,
            "balance_log": math.log1p(max(0, self.balance_minor) / 100.0) / 10.0,
            "due_log": math.log1p(max(0, self.amount_due_minor) / 100.0) / 10.0,
            "contacts": min(self.contacts_so_far, 30) / 10.0,
            "broken": min(self.promises_broken, 5) / 5.0,
            f"ch={self.channel.value}": 1.0,
        }
        if 0 <= self.slot < N_SLOTS:
            x[f"slot={self.slot}"] = 1.0
        if self.segment:
            x[f"seg={self.segment}"] = 1.0
        return x
