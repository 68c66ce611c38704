"""The simulated world: common random numbers, self-cure, paydays, fatigue, drift,
promises, and events that honour the input contract."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

import numpy as np
import orjson
from click.testing import CliRunner
from pydantic import TypeAdapter

from recaudo.channels.opt_out import detect_opt_out
from recaudo.models.slots import CHANNELS
from recaudo.simulator.cli import simulate
from recaudo.simulator.population import NEVER
from recaudo.simulator.texts import WEEKDAYS, lang_of
from recaudo.simulator.world import World
from recaudo.simulator.world_config import DebtorType, WorldConfig
from recaudo.streams.events import (
    AccountEvent,
    AccountStatus,
    Channel,
    DeliveryEvent,
    DeliveryStatus,
    InputEvent,
    PaymentEvent,
    ResponseEvent,
)
from recaudo.streams.outputs import ContactCommand
from tests.unit.simulator.world_helpers import (
    START,
    Policy,
    command,
    drive,
    index_of,
    play,
    preferred_slot_time,
)

ADAPTER: TypeAdapter[InputEvent] = TypeAdapter(InputEvent)
ENGAGED = {
    Channel.EMAIL: DeliveryStatus.OPENED,
    Channel.WHATSAPP: DeliveryStatus.READ,
    Channel.VOICE: DeliveryStatus.ANSWERED,
}


def _dump(events: list[InputEvent]) -> list[dict[str, object]]:
    return [e.model_dump(mode="json") for e in events]


def even_debtors_every(world: World, every: int) -> Policy:
    """Contact even-numbered delinquent debtors, preferred channel and slot, the next local day."""

    def policy(e: AccountEvent) -> tuple[Channel, dt.datetime] | None:
        i = index_of(e.debtor_id)
        if e.status is not AccountStatus.DELINQUENT or i % 2 or e.days_past_due % every:
            return None
        local = e.occurred_at.astimezone(ZoneInfo(e.timezone)).date()
        return preferred_slot_time(world, i, local + dt.timedelta(days=1))

    return policy


def _by_debtor(events: list[InputEvent]) -> dict[str, list[InputEvent]]:
    out: dict[str, list[InputEvent]] = defaultdict(list)
    for e in events:
        out[e.debtor_id].append(e)
    return out


def test_same_seed_and_contacts_give_the_same_events() -> None:
    cfg = WorldConfig(days=10)
    runs = []
    for seed in (5, 5, 6):
        world = World(200, seed, "acme", START, cfg)
        runs.append(_dump(drive(world, even_debtors_every(world, 3))))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    kinds = {e["type"] for e in runs[0]}
    assert kinds == {"account", "payment", "delivery", "response"}


def test_strategies_see_the_same_self_cure() -> None:
    """Common random numbers: who self-cures, and when, does not depend on the contacts."""
    cfg = WorldConfig(days=20)
    quiet = World(300, 7, "acme", START, cfg)
    busy = World(300, 7, "acme", START, cfg)
    assert np.array_equal(quiet.pop.self_cure_ms, busy.pop.self_cure_ms)
    a = _by_debtor(drive(quiet))
    b = _by_debtor(drive(busy, even_debtors_every(busy, 2)))
    assert busy.truth().contacts > 0
    odd = [d for d in a if index_of(d) % 2]
    assert odd
    assert all(_dump(a[d]) == _dump(b[d]) for d in odd)
    # Contacted debtors differ somewhere, or contacts had no effect at all.
    assert any(_dump(a[d]) != _dump(b[d]) for d in a if index_of(d) % 2 == 0)


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
    world = World(3000, 13, "acme", START, WorldConfig(days=12))
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


def test_every_event_honours_the_contract() -> None:
    world = World(200, 23, "acme", START, WorldConfig(days=12))
    events = drive(world, even_debtors_every(world, 1))
    ids = [e.event_id for e in events]
    assert len(ids) == len(set(ids))
    assert [(e.occurred_at, e.event_id) for e in events] == sorted(
        (e.occurred_at, e.event_id) for e in events
    )
    for e in events:
        assert ADAPTER.validate_python(orjson.loads(orjson.dumps(e.model_dump(mode="json")))) == e
        assert e.occurred_at < START + dt.timedelta(days=12)
        if (
            isinstance(e, ResponseEvent)
            and e.text
            and any(w in e.text for w in ("BAJA", "STOP", "SAIR", "dejen", "parem", "remove"))
        ):
            assert detect_opt_out(e.text)
    statuses = {e.status for e in events if isinstance(e, DeliveryEvent)}
    assert {DeliveryStatus.DELIVERED, DeliveryStatus.FAILED} <= statuses
    assert statuses & {DeliveryStatus.READ, DeliveryStatus.OPENED, DeliveryStatus.ANSWERED}


def test_snapshots_age_daily_and_show_payments() -> None:
    world = World(400, 29, "acme", START, WorldConfig(days=20))
    last: dict[str, AccountEvent] = {}
    paid: dict[str, int] = defaultdict(int)
    new_delinquent = settled = 0
    for e in drive(world):
        if isinstance(e, PaymentEvent):
            paid[e.debtor_id] += e.amount.amount_minor
            continue
        assert isinstance(e, AccountEvent)
        prev = last.get(e.debtor_id)
        if prev is not None:
            assert prev.status is not AccountStatus.SETTLED
            assert (e.occurred_at - prev.occurred_at) == dt.timedelta(days=1)
            if prev.status is e.status is AccountStatus.DELINQUENT:
                assert e.days_past_due == prev.days_past_due + 1
            if prev.status is AccountStatus.CURRENT and e.status is AccountStatus.DELINQUENT:
                new_delinquent += 1
            if e.status is not AccountStatus.CURRENT or prev.status is not AccountStatus.CURRENT:
                got = paid.pop(e.debtor_id, 0)
                assert e.amount_due.amount_minor == max(0, prev.amount_due.amount_minor - got)
                assert e.balance.amount_minor == prev.balance.amount_minor - got
        settled += e.status is AccountStatus.SETTLED
        last[e.debtor_id] = e
    assert new_delinquent > 50
    assert settled > 0


def test_contact_to_a_paid_debtor_gets_receipts_but_no_payment() -> None:
    world = World(300, 31, "acme", START, WorldConfig(days=20, persuade_scale=5.0))
    events = drive(world)
    cured = [e for e in events if isinstance(e, PaymentEvent)]
    assert cured
    contacts = []
    for e in cured:
        i = index_of(e.debtor_id)
        channel, at = preferred_slot_time(world, i, (e.occurred_at + dt.timedelta(days=1)).date())
        if at < START + dt.timedelta(days=19):
            contacts.append((at, command(world, i, channel, at, "late")))
    fresh = World(300, 31, "acme", START, WorldConfig(days=20, persuade_scale=5.0))
    after = play(fresh, contacts)
    late = {c.contact_id for _, c in contacts}
    assert any(isinstance(e, DeliveryEvent) and e.contact_id in late for e in after)
    assert not any(isinstance(e, PaymentEvent) and e.payment_id[2:] in late for e in after)


def test_cli_writes_the_world_event_log() -> None:
    runner = CliRunner()
    with runner.isolated_filesystem():
        args = ["--debtors", "40", "--seed", "2", "--now", "2025-06-02", "--days", "4"]
        result = runner.invoke(simulate, [*args, "--events-out", "ev.ndjson"])
        assert result.exit_code == 0, result.output
        with open("ev.ndjson", "rb") as fh:
            rows = [orjson.loads(line) for line in fh]
    world = World(40, 2, "acme", dt.datetime(2025, 6, 2, tzinfo=dt.UTC), WorldConfig(days=4))
    assert rows == _dump(world.take_until(dt.datetime(2025, 6, 6, tzinfo=dt.UTC)))
    assert [r["occurred_at"] for r in rows] == sorted(r["occurred_at"] for r in rows)
