"""The counterfactual the backtest and the benchmark share: the same world, never contacted."""

from __future__ import annotations

import datetime as dt

from recaudo.contracts.events import PaymentEvent
from recaudo.simulator.world import World
from tests.unit.simulator.world_helpers import START, drive, even_debtors_every


def test_untreated_is_the_same_world_never_contacted() -> None:
    world = World(30, 4, "acme", START)
    contacted = drive(world, even_debtors_every(world, 3))
    assert any(isinstance(e, PaymentEvent) for e in contacted)
    end = START + dt.timedelta(days=world.config.days)
    fresh = World(30, 4, "acme", START)
    fresh.take_until(end)
    untreated = world.untreated(end)
    assert untreated == fresh.truth()
    assert untreated.contacts == 0
    assert world.truth().contacts > 0, "the contacted world itself is left as it was"
