from __future__ import annotations

import datetime as dt
import random

import numpy as np
import orjson
from click.testing import CliRunner

from recaudo.models.slots import CHANNELS
from recaudo.simulator.cli import simulate
from recaudo.simulator.portfolio import generate_accounts, generate_portfolio
from recaudo.simulator.reactions import engage_probability, react, sample_outcome
from recaudo.streams.events import AccountEvent, Channel, DeliveryEvent, PaymentEvent, ResponseEvent
from recaudo.streams.outputs import ContactCommand

NOW = dt.datetime(2025, 6, 2, 12, tzinfo=dt.UTC)


def test_portfolio_is_reproducible_and_valid() -> None:
    a = [e.model_dump() for e in generate_portfolio(50, 7, "acme", NOW)]
    b = [e.model_dump() for e in generate_portfolio(50, 7, "acme", NOW)]
    c = [e.model_dump() for e in generate_portfolio(50, 8, "acme", NOW)]
    assert a == b
    assert a != c
    for raw in a:
        event = AccountEvent.model_validate(raw)
        assert event.contact_points
        assert event.amount_due.amount_minor <= event.balance.amount_minor


def test_hidden_behaviour_is_consistent_with_contact_points() -> None:
    table = generate_accounts(5000, 3)
    assert len(table) == 5000
    for i in range(0, 5000, 97):
        b = table.behaviour(i)
        assert b.preferred_channel in table.consented(i)
        assert b.reach[CHANNELS.index(b.preferred_channel)] == max(b.reach)
        assert b.slot_affinity[b.preferred_slot] == 1.0
    # Segments really differ in preferred channel (what the pooled prior can learn).
    shares = [
        np.bincount(table.preferred_channel[table.segment == s], minlength=4) for s in range(4)
    ]
    assert len({int(np.argmax(x)) for x in shares}) == 4


def test_generate_accounts_scales_to_a_million_columns() -> None:
    table = generate_accounts(1_000_000, 1)
    assert table.balance_minor.shape == (1_000_000,)
    assert table.reach.shape == (1_000_000, 4)


def test_outcome_rates_follow_hidden_behaviour() -> None:
    table = generate_accounts(10, 5)
    b = table.behaviour(0)
    other = next(c for c in CHANNELS if c is not b.preferred_channel)
    rng = random.Random(0)

    def engaged(channel: Channel, slot: int) -> float:
        runs = [sample_outcome(b, channel, slot, 10, 10_000, 0, rng) for _ in range(4000)]
        return sum(o.engaged and not o.opted_out for o in runs) / len(runs)

    good = engaged(b.preferred_channel, b.preferred_slot)
    assert good > 2 * engaged(other, b.preferred_slot)
    expected = engage_probability(b, b.preferred_channel, b.preferred_slot, 0)
    assert abs(good - expected) < 0.06


def test_react_produces_valid_seeded_events() -> None:
    table = generate_accounts(200, 9)
    seen: set[type] = set()
    for i in range(200):
        account = table.account_event(i, "acme", NOW)
        b = table.behaviour(i)
        cmd = ContactCommand(
            contact_id=f"c-{i}",
            tenant_id="acme",
            debtor_id=account.debtor_id,
            account_id=account.account_id,
            channel=b.preferred_channel,
            address="+15550000000",
            template="t1",
            language=account.language,
            send_at=NOW,
            expires_at=NOW + dt.timedelta(hours=4),
            strategy="s",
            arm="a",
            decision_id=f"dec-{i}",
            trigger_event_id=account.event_id,
        )
        events = react(cmd, b, account, seed=1)
        assert events == react(cmd, b, account, seed=1)
        assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
        assert isinstance(events[0], DeliveryEvent)
        for e in events:
            assert e.debtor_id == account.debtor_id
            seen.add(type(e))
            if isinstance(e, PaymentEvent):
                assert 0 < e.amount.amount_minor <= account.amount_due.amount_minor
    assert seen == {DeliveryEvent, ResponseEvent, PaymentEvent}


def test_cli_writes_ndjson_account_events(tmp_path: object) -> None:
    result = CliRunner().invoke(
        simulate, ["--debtors", "5", "--seed", "2", "--tenant", "globex", "--now", "2025-06-02"]
    )
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 5
    events = [AccountEvent.model_validate(orjson.loads(line)) for line in lines]
    assert {e.tenant_id for e in events} == {"globex"}
    again = CliRunner().invoke(
        simulate, ["--debtors", "5", "--seed", "2", "--tenant", "globex", "--now", "2025-06-02"]
    )
    assert again.stdout == result.stdout
