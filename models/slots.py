"""Arms of the channel bandit: a channel crossed with a slot of the debtor's local day.

Slots are coarse on purpose: four slots inside the usual 08-21 contact window
give each debtor few enough arms (4 channels x 4 slots) to learn from a handful
of contacts, and keep the per-debtor state at a few dozen bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from recaudo.contracts.events import Channel

#: Local-time slots: (first hour, end hour), end exclusive.
SLOT_HOURS: tuple[tuple[int, int], ...] = ((8, 11), (11, 14), (14, 17), (17, 21))
N_SLOTS = len(SLOT_HOURS)
CHANNELS: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL, Channel.WHATSAPP, Channel.VOICE)


@dataclass(frozen=True, slots=True, order=True)
class Arm:
    """One (channel, slot) pair; ``index`` is its position in the packed state."""

    channel: Channel
    slot: int

    @property
    def index(self) -> int:
        return arm_index(self.channel, self.slot)

    @property
    def name(self) -> str:
        return f"{self.channel.value}@{self.slot}"


def arm_index(channel: Channel, slot: int) -> int:
    if not 0 <= slot < N_SLOTS:
        raise ValueError(f"slot {slot} out of range 0..{N_SLOTS - 1}")
    return CHANNELS.index(channel) * N_SLOTS + slot


ALL_ARMS: tuple[Arm, ...] = tuple(Arm(c, s) for c in CHANNELS for s in range(N_SLOTS))


def slot_of_hour(hour: int) -> int | None:
    """The slot a local hour falls in, or None outside every slot."""
    for i, (start, end) in enumerate(SLOT_HOURS):
        if start <= hour < end:
            return i
    return None


def slot_of(at: dt.datetime, timezone: str) -> int | None:
    """The slot of an instant in the debtor's local time."""
    return slot_of_hour(at.astimezone(ZoneInfo(timezone)).hour)


def slot_start(day: dt.date, slot: int, timezone: str) -> dt.datetime:
    """The first instant of ``slot`` on a local ``day``, as an aware UTC datetime."""
    start_hour = SLOT_HOURS[slot][0]
    local = dt.datetime.combine(day, dt.time(start_hour), tzinfo=ZoneInfo(timezone))
    return local.astimezone(dt.UTC)


def next_in_slot(at: dt.datetime, slot: int, timezone: str) -> dt.datetime:
    """The earliest instant at or after ``at`` that lies in ``slot`` of the local day.

    The decide stage sends now when the chosen slot is the current one, else it
    defers the contact to this instant (the rules still judge that instant).
    """
    zone = ZoneInfo(timezone)
    local = at.astimezone(zone)
    start_hour, end_hour = SLOT_HOURS[slot]
    if start_hour <= local.hour < end_hour:
        return at
    day = local.date() if local.hour < start_hour else local.date() + dt.timedelta(days=1)
    return slot_start(day, slot, timezone)
