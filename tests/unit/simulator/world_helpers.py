"""A tiny stand-in for the backtest driver: contacts chosen by a test policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from recaudo.models.slots import CHANNELS, slot_start
from recaudo.simulator.world import World
from recaudo.streams.events import AccountEvent, Channel, InputEvent
from recaudo.streams.outputs import ContactCommand

START = dt.datetime(2025, 6, 2, 6, tzinfo=dt.UTC)
#: policy(snapshot) -> (channel, send time) or None
Policy = Callable[[AccountEvent], tuple[Channel, dt.datetime] | None]


def command(world: World, i: int, channel: Channel, at: dt.datetime, tag: str) -> ContactCommand:
    t = world.table
    address = f"{t.debtor_id(i)}@example.com" if channel is Channel.EMAIL else f"+1555{i:07d}"
    return ContactCommand(
        contact_id=f"c-{tag}-{i}-{at:%Y%m%d%H%M}",
        tenant_id=world.tenant_id,
        debtor_id=t.debtor_id(i),
        account_id=t.account_id(i),
        channel=channel,
        address=address,
        template="reminder",
        language=t.language(i),
        send_at=at,
        expires_at=at + dt.timedelta(hours=6),
        strategy="test",
        arm=tag,
        decision_id=f"dec-{tag}-{i}-{at:%Y%m%d%H%M}",
        trigger_event_id="t",
    )


def index_of(debtor_id: str) -> int:
    return int(debtor_id.rsplit("-", 1)[1])


def drive(world: World, policy: Policy | None = None, tag: str = "p") -> list[InputEvent]:
    """Take every event in order; after each snapshot ask ``policy`` whether to contact."""
    out: list[InputEvent] = []
    pending: list[tuple[dt.datetime, ContactCommand]] = []
    while True:
        t = world.next_time()
        first = min((p[0] for p in pending), default=None)
        if first is not None and (t is None or first <= t):
            for at, cmd in sorted((p for p in pending if p[0] == first), key=_cid):
                world.contact(cmd, at)
            pending = [p for p in pending if p[0] != first]
            continue
        if t is None:
            return out
        for event in world.take_until(t):
            out.append(event)
            if policy is not None and isinstance(event, AccountEvent):
                choice = policy(event)
                if choice is not None:
                    channel, at = choice
                    cmd = command(world, index_of(event.debtor_id), channel, at, tag)
                    pending.append((at, cmd))


def preferred_slot_time(
    world: World, i: int, day: dt.date, channel_index: int = -1
) -> tuple[Channel, dt.datetime]:
    """The debtor's original preferred channel (or ``channel_index``) at its preferred slot."""
    t = world.table
    ch = CHANNELS[int(t.preferred_channel[i])] if channel_index < 0 else CHANNELS[channel_index]
    return ch, slot_start(day, int(t.preferred_slot[i]), t.timezone(i))


def _cid(p: tuple[dt.datetime, ContactCommand]) -> str:
    return p[1].contact_id


def play(world: World, contacts: list[tuple[dt.datetime, ContactCommand]]) -> list[InputEvent]:
    """Send fixed contacts in time order, taking the world's events up to each send."""
    out: list[InputEvent] = []
    for at, cmd in sorted(contacts, key=lambda p: (p[0], p[1].contact_id)):
        out += world.take_until(at)
        world.contact(cmd, at)
    return out + world.take_until(START + dt.timedelta(days=world.config.days))
