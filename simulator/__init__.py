"""A synthetic, seeded debt portfolio with hidden debtor behaviour.

``portfolio`` makes accounts (as ``streams.events.AccountEvent``) and the hidden
``DebtorBehaviour`` behind each one; ``reactions`` turns a contact command into
what that debtor would do (delivery receipts, replies, payments); ``campaign``
replays strategies against the portfolio offline for ``bench/decision_quality``;
``world`` is the portfolio on event time that ``recaudo backtest`` runs the live
decision path against (self-cure, hidden response types, paydays, fatigue).
Nothing here is used by the service itself: it is the demo's and the
benchmarks' stand-in for real debtors.
"""

from recaudo.simulator.portfolio import (
    AccountTable,
    DebtorBehaviour,
    generate_accounts,
    generate_portfolio,
)
from recaudo.simulator.reactions import Outcome, react, sample_outcome
from recaudo.simulator.world import World
from recaudo.simulator.world_config import DebtorTruth, DebtorType, WorldConfig, WorldTruth

__all__ = [
    "AccountTable",
    "DebtorBehaviour",
    "DebtorTruth",
    "DebtorType",
    "Outcome",
    "World",
    "WorldConfig",
    "WorldTruth",
    "generate_accounts",
    "generate_portfolio",
    "react",
    "sample_outcome",
]
