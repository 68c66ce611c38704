"""Today's call list: the debtors worth a person's call, best first, up to capacity.

A call is valued as the strategy values a contact (``models.strategy``): the
uplift model's estimated share of the amount due that contacting recovers
beyond leaving the debtor alone, for the debtor's context (days past due,
amount, contacts in 14 days, payday, segment), times the amount due in the
tenant's reference units. With no uplift data the model's prior answers, so
the ranking is then by amount due. A tenant whose targeting switches the
uplift estimate off (``[targeting] ablate``, as the shipped policy does) ranks
its contacts by amount due, and so does its call list (``uplift=None``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from recaudo.models.uplift import Context, UpliftModel
from recaudo.streams.ops.cards import DebtorCard

#: Calls a team makes a day when the request does not say.
DEFAULT_CAPACITY = 20


@dataclass(frozen=True, slots=True)
class CallItem:
    card: DebtorCard
    uplift: float | None  # estimated share of the amount due a contact adds; None: not used
    expected_value: float  # uplift x amount due (the amount due without it), minor units


def rank_calls(
    cards: Iterable[DebtorCard],
    uplift: UpliftModel | None,
    value_of: Callable[[int, str], float],
    now: dt.datetime,
    capacity: int,
    skip: frozenset[str] = frozenset(),
) -> list[CallItem]:
    """The ``capacity`` callable debtors of highest expected value (``skip``: already
    taken, e.g. someone's open task); ``uplift`` None ranks by the amount due."""
    items: list[tuple[float, CallItem]] = []
    for card in cards:
        if not card.callable or card.debtor_id in skip:
            continue
        day = now.astimezone(ZoneInfo(card.timezone or "UTC")).date()
        value = value_of(card.amount_due_minor, card.currency)
        context = Context.of(card.days_past_due, value, card.contacts_14d, day, card.segment)
        share = uplift.estimate(context).uplift if uplift is not None else None
        weight = 1.0 if share is None else share
        items.append((weight * value, CallItem(card, share, weight * card.amount_due_minor)))
    # Ranked in the tenant's reference units, so debts in two currencies compare.
    items.sort(key=lambda vi: (-vi[0], -vi[1].card.amount_due_minor, vi[1].card.debtor_id))
    return [item for _, item in items[:capacity]]
