"""Compliance and contact policy: may this contact go now, later, or never.

Legal rules are data with an id, a citation and a version; every verdict names
the rules that decided it. Frequency caps are enforced atomically in Redis.
"""

from rules.base import ContactProposal, HistoryItem, HistoryKind, Verdict
from rules.engine import evaluate

__all__ = ["ContactProposal", "HistoryItem", "HistoryKind", "Verdict", "evaluate"]
