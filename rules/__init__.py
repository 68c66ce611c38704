"""Compliance and contact policy: may this contact go now, later, or never.

Legal rules are data with an id, a citation and a version (``rules.profiles``);
every verdict names the rules that decided it and the profile version. Tenant
policy files (``rules.policy``) choose cadences, templates and experiments and
may only tighten the law. Frequency caps are enforced atomically in Redis
(``rules.caps.CapLedger``); ``evaluate`` itself is pure.
"""

from recaudo.rules.base import (
    ContactProposal,
    FlagDates,
    Flags,
    HistoryItem,
    HistoryKind,
    Verdict,
)
from recaudo.rules.engine import caps_for, evaluate
from recaudo.rules.policy import TenantPolicy, default_policy, load_policy
from recaudo.rules.rule import Cap, Rule

__all__ = [
    "Cap",
    "ContactProposal",
    "FlagDates",
    "Flags",
    "HistoryItem",
    "HistoryKind",
    "Rule",
    "TenantPolicy",
    "Verdict",
    "caps_for",
    "default_policy",
    "evaluate",
    "load_policy",
]
