"""The prevention world: who pays anyway, who forgets, who never pays, and what a
reminder near the due date changes."""

from __future__ import annotations

import datetime as dt

from recaudo.contracts.events import AccountEvent, AccountStatus, Channel, InputEvent, PaymentEvent
from recaudo.contracts.outputs import ContactCommand
from recaudo.simulator.prevention import (
    FORGETFUL,
    NEVER,
    ON_TIME,
    UNABLE,
    PreventionConfig,
    PreventionWorld,
)

START = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)


def drain(world: PreventionWorld) -> list[InputEvent]:
    return world.take_until(START + dt.timedelta(days=world.config.days))


def reminder(world: PreventionWorld, i: int, at: dt.datetime, channel: Channel) -> ContactCommand:
    t = world.table
    return ContactCommand(
        contact_id=f"c-{i}-{at.timestamp():.0f}",
        tenant_id="t",
        debtor_id=t.debtor_id(i),
        account_id=t.account_id(i),
        channel=channel,
        address="x",
        template="courtesy_v1_en",
        language="en",
        send_at=at,
        expires_at=at + dt.timedelta(hours=24),
        strategy="s",
        arm="a",
        decision_id="d",
        trigger_event_id="e",
        purpose="reminder",
    )


def test_left_alone_on_time_payers_pay_by_the_due_date_forgetful_late_unable_never() -> None:
    world = PreventionWorld(120, 7, "t", START)
    events = drain(world)
    deadline, paid = world.deadline_ms, world.paid_ms
    assert (paid[world.type == ON_TIME] < deadline[world.type == ON_TIME]).all()
    assert (paid[world.type == FORGETFUL] >= deadline[world.type == FORGETFUL]).all()
    assert (paid[world.type == UNABLE] == NEVER).all()
    truth = world.truth()
    assert truth.rolled_1 == int((world.type != ON_TIME).sum())
    assert truth.contacts == 0
    # The feed: current before the due date, delinquent with its depth after it.
    late = [
        e for e in events if isinstance(e, AccountEvent) and e.debtor_id == world.table.debtor_id(0)
    ]
    assert len(late) == world.config.days
    assert {e.due_date for e in late} == {late[0].due_date}
    assert late[0].status is AccountStatus.CURRENT
    assert any(isinstance(e, PaymentEvent) for e in events)


def test_a_noticed_reminder_on_the_due_date_makes_the_forgetful_pay_on_time() -> None:
    certain = PreventionConfig(remind_pay_prob=1.0, opt_out_scale=0.0)
    world = PreventionWorld(120, 7, "t", START, certain)
    # In due-date order: the world is taken forward in time, never back.
    forgetful = sorted(
        (int(i) for i in (world.type == FORGETFUL).nonzero()[0]), key=lambda i: world.due_day[i]
    )
    moved = 0
    for i in forgetful:
        k = int(world.table.preferred_channel[i])
        channel = (Channel.SMS, Channel.EMAIL, Channel.WHATSAPP, Channel.VOICE)[k]
        due_day = int(world.due_day[i])
        # 10:00 local (Americas) on the due date: inside the day, before its end.
        at = START + dt.timedelta(days=due_day, hours=10)
        world.take_until(at)
        world.contact(reminder(world, i, at, channel), at)
    drain(world)
    for i in forgetful:
        if world.noticed[i]:
            assert world.paid_ms[i] < world.deadline_ms[i], "noticed near the due date: on time"
            moved += 1
    assert moved > 0
    assert world.truth().rolled_1 == int((world.type != ON_TIME).sum()) - moved
