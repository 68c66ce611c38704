"""Outcome reports: what treating debtors recovered against the no-contact holdout.

Computed by the service itself from each debtor's ``OutcomeSummary``, which is
committed atomically with the processed event ids, so a report never counts a
replayed payment or contact twice. ``stats`` holds the interval arithmetic,
``outcomes`` the grouping, ``model`` the JSON shape, ``source`` the Redis scan,
``render`` the CLI formats and ``metrics`` the Prometheus gauges; ``rolls``
the roll rates of courtesy reminders against the holdout.
"""

from recaudo.streams.reports.model import (
    ArmComparison,
    ChannelRow,
    Difference,
    GroupRow,
    HoldoutComparison,
    OutcomeReport,
    RollRow,
)
from recaudo.streams.reports.outcomes import DIMENSIONS, Dimension, compute_report
from recaudo.streams.reports.rolls import compute_rolls
from recaudo.streams.reports.source import ReportSource, scan_summaries

__all__ = [
    "DIMENSIONS",
    "ArmComparison",
    "ChannelRow",
    "Difference",
    "Dimension",
    "GroupRow",
    "HoldoutComparison",
    "OutcomeReport",
    "ReportSource",
    "RollRow",
    "compute_report",
    "compute_rolls",
    "scan_summaries",
]
