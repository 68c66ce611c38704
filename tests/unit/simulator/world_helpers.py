"""A tiny stand-in for the backtest driver: contacts chosen by a test policy."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable
from zoneinfo import ZoneInfo

from recaudo.contracts.events import AccountEvent, AccountStatus, Channel, InputEvent
from recaudo.contracts.outputs import ContactCommand
from recaudo.models.slots import CHANNELS, slot_start
from recaudo.simulator.world import World

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
    pending: list[tuple[dt.datetime, str, ContactCommand]] = []  # a heap
    while True:
        t = world.next_time()
        if pending and (t is None or pending[0][0] <= t):
            at, _, cmd = heapq.heappop(pending)
            world.contact(cmd, at)
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
                    heapq.heappush(pending, (at, cmd.contact_id, cmd))


def preferred_slot_time(
    world: World, i: int, day: dt.date, channel_index: int = -1
) -> tuple[Channel, dt.datetime]:
    """The debtor's original preferred channel (or ``channel_index``) at its preferred slot."""
    t = world.table
    ch = CHANNELS[int(t.preferred_channel[i])] if channel_index < 0 else CHANNELS[channel_index]
    return ch, slot_start(day, int(t.preferred_slot[i]), t.timezone(i))


def play(world: World, contacts: list[tuple[dt.datetime, ContactCommand]]) -> list[InputEvent]:
    """Send fixed contacts in time order, taking the world's events up to each send."""
    out: list[InputEvent] = []
    for at, cmd in sorted(contacts, key=lambda p: (p[0], p[1].contact_id)):
        out += world.take_until(at)
        world.contact(cmd, at)
    return out + world.take_until(START + dt.timedelta(days=world.config.days))


def even_debtors_every(world: World, every: int) -> Policy:
    """Contact even-numbered delinquent debtors, preferred channel and slot, the next local day."""

    def policy(e: AccountEvent) -> tuple[Channel, dt.datetime] | None:
        i = index_of(e.debtor_id)
        if e.status is not AccountStatus.DELINQUENT or i % 2 or e.days_past_due % every:
            return None
        local = e.occurred_at.astimezone(ZoneInfo(e.timezone)).date()
        return preferred_slot_time(world, i, local + dt.timedelta(days=1))

    return policy
