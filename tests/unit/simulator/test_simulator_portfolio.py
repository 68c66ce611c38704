from __future__ import annotations

import datetime as dt

import numpy as np
import orjson
from click.testing import CliRunner

from recaudo.contracts.events import AccountEvent
from recaudo.models.slots import CHANNELS
from recaudo.simulator.cli import simulate
from recaudo.simulator.portfolio import generate_accounts, generate_portfolio

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
