"""A synthetic, seeded debt portfolio with hidden debtor behaviour.

``portfolio`` makes accounts (as ``contracts.events.AccountEvent``) and the hidden
``DebtorBehaviour`` behind each one; ``world`` is the portfolio on event time
that ``recaudo backtest`` and the demo run the live decision path against
(self-cure, hidden response types, paydays, fatigue).
Nothing here is used by the service itself: it is the demo's and the
benchmarks' stand-in for real debtors.
"""

from recaudo.simulator.portfolio import (
    AccountTable,
    DebtorBehaviour,
    generate_accounts,
    generate_portfolio,
)
from recaudo.simulator.world import World
from recaudo.simulator.world_config import (
    DebtorTruth,
    DebtorType,
    WorldConfig,
    WorldTruth,
    variants,
)

__all__ = [
    "AccountTable",
    "DebtorBehaviour",
    "DebtorTruth",
    "DebtorType",
    "World",
    "WorldConfig",
    "WorldTruth",
    "generate_accounts",
    "generate_portfolio",
    "variants",
]
