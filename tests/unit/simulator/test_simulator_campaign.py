from __future__ import annotations

import datetime as dt
import functools

from recaudo.simulator.campaign import CampaignConfig, run_campaign
from recaudo.simulator.compliance import CapPolicy, allowed
from recaudo.simulator.portfolio import generate_accounts
from recaudo.simulator.strategies import Adaptive, Candidate, RandomChannel, StaticCadence
from recaudo.streams.events import Channel

CONFIG = CampaignConfig(days=12, contacts_per_debtor=2.0)


def test_strategies_spend_the_same_budget_through_the_same_gate() -> None:
    table = generate_accounts(300, 4)
    results = [
        run_campaign(table, s, CONFIG, seed=4)
        for s in (StaticCadence(), RandomChannel(4), Adaptive(4))
    ]
    for r in results:
        assert 0 < r.contacts <= 600
        assert r.labels == r.contacts  # every contact labelled once, success or expiry
        assert 0 <= r.recovered_minor <= r.due_minor
    assert run_campaign(table, StaticCadence(), CONFIG, 4).recovered_minor == (
        results[0].recovered_minor
    )


def test_gate_applies_rules_and_caps() -> None:
    at = dt.datetime(2025, 6, 4, 15, tzinfo=dt.UTC)  # Wednesday 10:00 in Bogota
    gate = functools.partial(
        allowed,
        jurisdiction="CO",
        timezone="America/Bogota",
        channel=Channel.SMS,
        days_past_due=10,
        consent=True,
        bounced=False,
        day=5,
        caps=CapPolicy(min_gap_days=2, max_contacts=3),
    )
    assert gate(at=at, opted_out_all=False, last_contact_day=2, contacts=1)
    assert not gate(at=at, opted_out_all=True, last_contact_day=2, contacts=1)
    assert not gate(at=at, opted_out_all=False, last_contact_day=4, contacts=1)
    assert not gate(at=at, opted_out_all=False, last_contact_day=2, contacts=3)
    night = dt.datetime(2025, 6, 4, 4, tzinfo=dt.UTC)  # 23:00 in Bogota
    assert not gate(at=night, opted_out_all=False, last_contact_day=2, contacts=1)


def test_gate_respects_colombian_public_holidays() -> None:
    """Ley 2300 de 2023 art. 3: never on public holidays (2 June 2025, Ascension Day)."""
    holiday = dt.datetime(2025, 6, 2, 15, tzinfo=dt.UTC)  # Monday 10:00 in Bogota
    assert not allowed(
        jurisdiction="CO",
        timezone="America/Bogota",
        channel=Channel.SMS,
        days_past_due=10,
        consent=True,
        bounced=False,
        day=5,
        caps=CapPolicy(min_gap_days=2, max_contacts=3),
        at=holiday,
        opted_out_all=False,
        last_contact_day=2,
        contacts=1,
    )


def test_adaptive_prefers_a_fresh_debtor_over_a_tired_one_of_equal_worth() -> None:
    """Contact fatigue: with everything else equal, the debtor contacted less goes first."""
    strategy = Adaptive(seed=3, explore=0.0)
    tired = Candidate(0, (Channel.SMS,), 30, 100_000, 20_000, contacts=3, segment="s0")
    fresh = Candidate(1, (Channel.SMS,), 30, 100_000, 20_000, contacts=0, segment="s0")
    [plan] = strategy.plan(day=1, candidates=[tired, fresh], budget=1)
    assert plan.index == fresh.index
