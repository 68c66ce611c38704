"""A synthetic, seeded debt portfolio with hidden debtor behaviour.

``portfolio`` makes accounts (as ``streams.events.AccountEvent``) and the hidden
``DebtorBehaviour`` behind each one; ``reactions`` turns a contact command into
what that debtor would do (delivery receipts, replies, payments); ``campaign``
replays strategies against the portfolio offline for ``bench/decision_quality``.
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

__all__ = [
    "AccountTable",
    "DebtorBehaviour",
    "Outcome",
    "generate_accounts",
    "generate_portfolio",
    "react",
    "sample_outcome",
]
