"""The simulated world's behaviour: self-cure, paydays, fatigue, drift, promises,
treatment effects by hidden type, wrong parties, and world variants."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

import numpy as np

from recaudo.channels.opt_out import detect_opt_out
from recaudo.contracts.events import (
    AccountEvent,
    AccountStatus,
    Channel,
    DeliveryEvent,
    DeliveryStatus,
    PaymentEvent,
    ResponseEvent,
)
from recaudo.contracts.outputs import ContactCommand
from recaudo.models.slots import CHANNELS
from recaudo.simulator.population import NEVER
from recaudo.simulator.texts import WEEKDAYS, lang_of
from recaudo.simulator.world import World
from recaudo.simulator.world_config import DebtorType, WorldConfig, variants
from tests.unit.simulator.world_helpers import (
    START,
    command,
    drive,
    even_debtors_every,
    index_of,
    play,
    preferred_slot_time,
)

ENGAGED = {
    Channel.EMAIL: DeliveryStatus.OPENED,
    Channel.WHATSAPP: DeliveryStatus.READ,
    Channel.VOICE: DeliveryStatus.ANSWERED,
}


def test_self_cure_share_and_timing_without_contacts() -> None:
    world = World(1500, 11, "acme", START, WorldConfig(days=30))
    events = drive(world)
    truth = world.truth()
    by_type: dict[DebtorType, list[bool]] = defaultdict(list)
    for d in truth.debtors:
        by_type[d.type].append(d.self_cured)
    assert np.mean(by_type[DebtorType.SURE_THING]) > 0.6
    assert np.mean(by_type[DebtorType.PERSUADABLE]) < 0.15
    assert not any(by_type[DebtorType.LOST_CAUSE])
    assert 0.1 < truth.self_cured / len(truth.debtors) < 0.4
    # Without contacts every self-cure drawn inside the run happens, and nothing else pays.
    assert all(d.self_cured == d.would_self_cure for d in truth.debtors)
    enrolled_at: dict[str, dt.datetime] = {}
    payments = [e for e in events if isinstance(e, PaymentEvent)]
    assert len(payments) == truth.self_cured
    for e in events:
        if isinstance(e, AccountEvent) and e.status is AccountStatus.DELINQUENT:
            enrolled_at.setdefault(e.debtor_id, e.occurred_at)
        if isinstance(e, PaymentEvent):
            assert e.payment_id.endswith("-self")
            assert e.occurred_at > enrolled_at[e.debtor_id]
            tz = ZoneInfo(world.table.timezone(index_of(e.debtor_id)))
            assert 9 <= e.occurred_at.astimezone(tz).hour < 22


def _is_month_payday(d: dt.date) -> bool:
    if d.day == 15:
        return True
    if d.weekday() >= 5:
        return False
    later = sum(
        1
        for k in range(1, 5)
        if (x := d + dt.timedelta(days=k)).month == d.month and x.weekday() < 5
    )
    return later < 2


def test_paydays_raise_payments_on_paydays() -> None:
    shares = []
    for boost in (1.0, 4.0):
        world = World(
            1200, 3, "acme", START, WorldConfig(payday_boost=boost, weekly_payday_share=0)
        )
        payments = [e for e in drive(world) if isinstance(e, PaymentEvent)]
        assert len(payments) > 100
        on = [
            _is_month_payday(
                e.occurred_at.astimezone(
                    ZoneInfo(world.table.timezone(index_of(e.debtor_id)))
                ).date()
            )
            for e in payments
        ]
        shares.append(float(np.mean(on)))
    assert shares[1] > shares[0] + 0.1, shares


def test_fatigue_raises_opt_out_and_lowers_attention() -> None:
    """A probe e-mail opts out more, and is opened less, after six SMS in the week before."""
    world = World(8000, 13, "acme", START, WorldConfig(days=12))
    n = len(world.table)
    contacts: list[tuple[dt.datetime, ContactCommand]] = []
    probe_day = (START + dt.timedelta(days=9)).date()
    for i in range(n):
        if i % 2 == 0:
            for k in range(2, 8):
                _, at = preferred_slot_time(world, i, probe_day - dt.timedelta(days=9 - k))
                contacts.append((at, command(world, i, Channel.SMS, at, f"sms{k}")))
        _, at = preferred_slot_time(world, i, probe_day)
        contacts.append((at, command(world, i, Channel.EMAIL, at, "probe")))
    events = play(world, contacts)
    opted: dict[int, list[bool]] = {0: [], 1: []}
    opened: dict[int, list[bool]] = {0: [], 1: []}
    probe = {c.contact_id: index_of(c.debtor_id) for _, c in contacts if c.arm == "probe"}
    replies = {
        e.contact_id for e in events if isinstance(e, ResponseEvent) and detect_opt_out(e.text)
    }
    opens = {
        e.contact_id
        for e in events
        if isinstance(e, DeliveryEvent) and e.status is DeliveryStatus.OPENED
    }
    for cid, i in probe.items():
        opted[i % 2].append(cid in replies)
        opened[i % 2].append(cid in opens)
    assert np.mean(opted[0]) > 2 * np.mean(opted[1]) > 0
    assert np.mean(opened[0]) < np.mean(opened[1])


def test_preferences_drift() -> None:
    """After its drift day a debtor's original channel and slot reach it far less often."""
    cfg = WorldConfig(days=30, drift_share=1.0, fatigue_attention=1.0)
    world = World(1500, 17, "acme", START, cfg)
    assert np.all(world.pop.drift_ms < NEVER)
    assert 0.2 < (World(2000, 1, "acme", START).pop.drift_ms < NEVER).mean() < 0.3
    contacts: list[tuple[dt.datetime, ContactCommand]] = []
    for i in range(len(world.table)):
        channel = CHANNELS[int(world.table.preferred_channel[i])]
        drift_day = (
            dt.datetime.fromtimestamp(int(world.pop.drift_ms[i]) / 1000, dt.UTC) - START
        ).days
        if channel not in ENGAGED or not 3 <= drift_day <= 26:
            continue
        for tag, k in (("before", drift_day - 2), ("after", drift_day + 2)):
            _, at = preferred_slot_time(world, i, (START + dt.timedelta(days=k)).date())
            contacts.append((at, command(world, i, channel, at, tag)))
    events = play(world, contacts)
    engaged = {
        e.contact_id
        for e in events
        if isinstance(e, DeliveryEvent) and e.status is ENGAGED.get(e.channel)
    }
    rate = {
        tag: np.mean([c.contact_id in engaged for _, c in contacts if c.arm == tag])
        for tag in ("before", "after")
    }
    assert len(contacts) > 400
    assert rate["before"] > rate["after"] + 0.2, rate


def test_promises_are_broken_at_the_configured_rate() -> None:
    cfg = WorldConfig(days=30, persuade_scale=3.0, promise_share=1.0, promise_keep_rate=0.6)
    world = World(2000, 19, "acme", START, cfg)
    day = (START + dt.timedelta(days=2)).date()
    contacts = []
    for i in range(len(world.table)):
        if world.pop.enrol_day[i] == 0:
            channel, at = preferred_slot_time(world, i, day)
            contacts.append((at, command(world, i, channel, at, "ask")))
    events = play(world, contacts)
    promises = [e for e in events if isinstance(e, ResponseEvent) and e.promise is not None]
    paid = {e.payment_id for e in events if isinstance(e, PaymentEvent)}
    assert len(promises) > 150
    truth = world.truth()
    kept = truth.promises_kept / truth.promises
    assert truth.promises == len(promises)
    assert 0.5 < kept < 0.7, kept
    broken = [p for p in promises if f"p-{p.contact_id}" not in paid]
    assert len(broken) > 0.25 * len(promises)
    for p in promises:
        assert p.promise is not None
        assert p.text is not None
        lang = lang_of(world.table.language(index_of(p.debtor_id)))
        assert WEEKDAYS[lang][p.promise.due_on.weekday()] in p.text


def _cured_share(world: World, kind: DebtorType) -> float:
    """Mean share of arrears cured among the even (contactable) enrolled debtors of a type."""
    rows = [
        min(1.0, d.recovered_minor / d.owed_minor)
        for d in world.truth().debtors
        if d.type is kind and d.enrolled and index_of(d.debtor_id) % 2 == 0
    ]
    return float(np.mean(rows))


def test_contacts_help_persuadables_and_hurt_sleeping_dogs_only() -> None:
    """Heterogeneous treatment effect: the lift depends on a type the service never sees."""
    cfg = WorldConfig(days=20)
    quiet, busy = World(1000, 37, "acme", START, cfg), World(1000, 37, "acme", START, cfg)
    drive(quiet)
    drive(busy, even_debtors_every(busy, 2))
    lift = {kind: _cured_share(busy, kind) - _cured_share(quiet, kind) for kind in DebtorType}
    assert lift[DebtorType.PERSUADABLE] > 0.1, lift
    assert lift[DebtorType.SLEEPING_DOG] < 0, lift
    assert _cured_share(busy, DebtorType.LOST_CAUSE) == 0.0
    assert abs(lift[DebtorType.SURE_THING]) < 0.05, lift


def test_type_is_only_weakly_observable() -> None:
    """Depth shifts the type mix, but no depth band is close to one type."""
    cfg = WorldConfig()
    world = World(20_000, 41, "acme", START, cfg)
    kinds = world.pop.type
    dpd = world.pop.dpd0
    shallow, deep = dpd <= np.quantile(dpd, 0.25), dpd >= np.quantile(dpd, 0.75)
    sure = list(DebtorType).index(DebtorType.SURE_THING)
    assert (kinds[shallow] == sure).mean() > (kinds[deep] == sure).mean() + 0.03
    for band in (shallow, deep):
        assert np.bincount(kinds[band], minlength=4).max() / band.sum() < 0.6
    flat = World(20_000, 41, "acme", START, WorldConfig(type_signal=0.0)).pop.type
    assert np.allclose(np.bincount(flat, minlength=4) / len(flat), cfg.type_shares, atol=0.015)


def test_wrong_party_phones_never_pay() -> None:
    cfg = WorldConfig(days=15, wrong_party_share=1.0, persuade_scale=3.0)
    world = World(600, 43, "acme", START, cfg)
    day = (START + dt.timedelta(days=1)).date()
    contacts = []
    for i in range(len(world.table)):
        channel, at = preferred_slot_time(world, i, day)
        contacts.append((at, command(world, i, channel, at, "rp")))
    events = play(world, contacts)
    channel_of = {c.contact_id: c.channel for _, c in contacts}
    paid_on = {
        channel_of[e.payment_id[2:]]
        for e in events
        if isinstance(e, PaymentEvent) and e.payment_id[2:] in channel_of
    }
    assert paid_on == {Channel.EMAIL}
    assert any(
        isinstance(e, ResponseEvent)
        and e.text in ("wrong number", "número equivocado", "número errado")
        for e in events
    )


def test_world_variants_are_valid_reproducible_and_different() -> None:
    base = WorldConfig()
    a, b = variants(base, 5, seed=1), variants(base, 5, seed=1)
    assert a == b
    assert len(set(a)) == 5
    assert base not in a
    for cfg in a:
        assert abs(sum(cfg.type_shares) - 1) < 1e-9
        assert 0 < cfg.promise_keep_rate < 1
    World(50, 1, "acme", START, a[0]).take_until(START + dt.timedelta(days=2))
