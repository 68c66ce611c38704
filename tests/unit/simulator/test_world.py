"""The simulated world: common random numbers, ordered contract-valid events, daily
snapshots that show payments, and the no-contact event log of `recaudo simulate`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import orjson
from click.testing import CliRunner
from pydantic import TypeAdapter

from recaudo.channels.opt_out import detect_opt_out
from recaudo.contracts.events import (
    AccountEvent,
    AccountStatus,
    Channel,
    DeliveryEvent,
    DeliveryStatus,
    InputEvent,
    PaymentEvent,
    ResponseEvent,
)
from recaudo.simulator.cli import simulate
from recaudo.simulator.world import World
from recaudo.simulator.world_config import WorldConfig
from tests.unit.simulator.world_helpers import (
    START,
    command,
    drive,
    even_debtors_every,
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


def test_the_nth_contact_to_a_debtor_has_the_same_luck_under_any_contact_id() -> None:
    """Common random numbers across strategies: two worlds of one seed that send each
    debtor the same contacts under other contact ids (as two strategies do) see the same
    receipts, replies and payments; only the ids differ."""
    cfg = WorldConfig(days=10)
    runs = []
    for tag in ("champion", "challenger"):
        world = World(300, 11, "acme", START, cfg)
        runs.append(drive(world, even_debtors_every(world, 2), tag=tag))

    def outcome(events: list[InputEvent]) -> list[tuple[object, ...]]:
        return [
            (e.type, e.debtor_id, e.occurred_at, getattr(e, "status", None),
             getattr(e, "text", None), getattr(e, "amount", None))
            for e in events
        ]  # fmt: skip

    assert {e.contact_id for e in runs[0] if isinstance(e, DeliveryEvent)}.isdisjoint(
        e.contact_id for e in runs[1] if isinstance(e, DeliveryEvent)
    )
    assert outcome(runs[0]) == outcome(runs[1])
    # Not because contacts change nothing: the same world left alone differs.
    quiet = drive(World(300, 11, "acme", START, cfg))
    assert outcome([e for e in quiet if not isinstance(e, DeliveryEvent)]) != outcome(
        [e for e in runs[0] if not isinstance(e, DeliveryEvent | ResponseEvent)]
    )


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
