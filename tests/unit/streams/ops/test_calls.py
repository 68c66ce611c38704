"""Today's call list values a call as the tenant's strategy values a contact."""

from __future__ import annotations

import datetime as dt

from recaudo.models.uplift import UpliftModel
from recaudo.streams.ops.calls import rank_calls
from recaudo.streams.ops.cards import DebtorCard

NOW = dt.datetime(2026, 12, 7, 15, tzinfo=dt.UTC)


def card(debtor_id: str, due: int, dpd: int, callable_: bool = True) -> DebtorCard:
    return DebtorCard(
        debtor_id=debtor_id,
        name=None,
        language="es",
        timezone="America/Bogota",
        segment=None,
        phones=("+573001234567",),
        emails=(),
        references=(),
        amount_due_minor=due,
        currency="COP",
        days_past_due=dpd,
        callable=callable_,
        contacts_14d=0,
        last_at=NOW.timestamp(),
    )


CARDS = [card("small", 10_000, 5), card("large", 90_000, 80), card("mid", 40_000, 20)]


def value(amount: int, _currency: str) -> float:
    return float(amount)


def test_without_the_uplift_estimate_calls_rank_by_amount_due() -> None:
    ranked = rank_calls([*CARDS, card("quiet", 500_000, 9, callable_=False)], None, value, NOW, 2)
    assert [(c.card.debtor_id, c.uplift, c.expected_value) for c in ranked] == [
        ("large", None, 90_000.0),
        ("mid", None, 40_000.0),
    ]


def test_with_the_estimate_a_call_is_worth_its_share_of_the_amount_due() -> None:
    ranked = rank_calls(CARDS, UpliftModel(), value, NOW, 3, skip=frozenset({"mid"}))
    assert {c.card.debtor_id for c in ranked} == {"small", "large"}
    values = [c.expected_value for c in ranked]
    assert values == sorted(values, reverse=True)
    for item in ranked:
        assert item.uplift is not None
        assert item.expected_value == item.uplift * item.card.amount_due_minor
