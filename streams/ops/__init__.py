"""What the operations page asks of one tenant's data (issue 23).

Not Faust operations: ``cards`` reads every debtor state of a tenant once (a
short cache, like the reports) into the few facts people look debtors up by
and call them for; ``search`` matches a name, phone, e-mail or account
reference; ``calls`` ranks today's calls by their expected value under the
team's capacity; ``headline`` says in words whether the strategy is ahead of
the holdout, with the weekly series behind it.
"""

from recaudo.streams.ops.calls import CallItem, rank_calls
from recaudo.streams.ops.cards import DebtorCard, DebtorCards
from recaudo.streams.ops.headline import Headline, WeekPoint, headline
from recaudo.streams.ops.search import SearchHit, search

__all__ = [
    "CallItem",
    "DebtorCard",
    "DebtorCards",
    "Headline",
    "SearchHit",
    "WeekPoint",
    "headline",
    "rank_calls",
    "search",
]
