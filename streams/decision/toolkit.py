"""What every handler of the decision core shares: the tenant's policies, the
decision log, cancellations, the learners' side and the contact planner.

Built once by ``Decider``; a handler gets it and, besides, only the other
parts it calls (the accounts handler the payments, reminders and tasks, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from recaudo.streams.decision.cancellation import Cancellations
from recaudo.streams.decision.learning import Learning
from recaudo.streams.decision.log import DecisionLog
from recaudo.streams.decision.planner import ContactPlanner
from recaudo.streams.decision.policies import Policies


@dataclass(frozen=True, slots=True)
class Toolkit:
    policies: Policies
    log: DecisionLog
    cancel: Cancellations
    learning: Learning
    planner: ContactPlanner
