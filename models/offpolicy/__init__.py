"""Off-policy evaluation: what a challenger policy would have recovered, estimated
from the live strategy's logged choices before it is rolled out.

Every choice the live strategy makes logs the options it had, the probability of
each, and its context (``Decision.options``, ``propensity``, ``features``); the
reward of a choice is what the debtor paid within a window after it. From these,
IPS, self-normalised IPS and doubly robust estimates with intervals, per decision
and per contact (``recaudo evaluate``). Pure: files in, numbers out.
"""

from recaudo.models.offpolicy.base import Challenger, Features
from recaudo.models.offpolicy.challenger import LoggedPolicy, PolicyChallenger
from recaudo.models.offpolicy.direct import RewardModel
from recaudo.models.offpolicy.estimators import Estimate, Evaluation, evaluate
from recaudo.models.offpolicy.logged import SKIP, SKIP_RULE_ID, LoggedChoice, choice_of
from recaudo.models.offpolicy.rewards import PaymentIndex, rewards_for
from recaudo.models.offpolicy.source import Log, read_log

__all__ = [
    "SKIP",
    "SKIP_RULE_ID",
    "Challenger",
    "Estimate",
    "Evaluation",
    "Features",
    "Log",
    "LoggedChoice",
    "LoggedPolicy",
    "PaymentIndex",
    "PolicyChallenger",
    "RewardModel",
    "choice_of",
    "evaluate",
    "read_log",
    "rewards_for",
]
