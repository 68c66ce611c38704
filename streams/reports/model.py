"""The JSON shape of an outcome report (``GET /v1/reports/outcomes``, ``recaudo report``).

Money is in minor units of the row's ``currency``; no figure mixes currencies.
A grouping the request did not ask for is ``null`` in every row; a segment of
``""`` is debtors enrolled without one. Rates are
fractions in [0, 1]; differences are treated minus baseline.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: "no spread": every debtor of both groups has the same value (none recovered anything,
#: say), so there is no variance to build an interval from; [0, 0] would claim certainty.
DifferenceStatus = Literal[
    "ok", "n too small", "no spread", "no baseline", "no debtors", "no contacts"
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Difference(_Out):
    """An estimate with its 95% interval; ``low``/``high`` are null unless status is ok."""

    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    status: DifferenceStatus = "ok"


class Power(_Out):
    """What the comparison can detect now, and what would detect the effect seen so far."""

    minimum_detectable_effect: float = Field(
        description="Smallest incremental recovered per debtor the always-valid verdict "
        "detects with 80 % power at the current volume, minor units"
    )
    effect: float | None = Field(
        description="The size of the current estimate (absolute), the effect planned for"
    )
    holdout_debtors_needed: int | None = Field(
        default=None,
        description="Holdout debtors out of the same total that would detect it; null when "
        "it is already detectable or no split of this volume can",
    )
    debtors_per_day: float | None = Field(
        default=None, description="Enrolment rate so far; null for a portfolio loaded at once"
    )
    more_days_needed: float | None = Field(
        default=None,
        description="Days more at that enrolment rate (same holdout share) to detect it",
    )


class HoldoutComparison(_Out):
    """A treated group against the holdout debtors of the same cell.

    ``incremental_recovered_per_debtor`` is Welch's fixed-sample 95 % interval;
    ``always_valid_per_debtor`` the confidence sequence that stays valid however
    often it is read, which the verdicts use (``streams.reports.stats``).
    """

    holdout_debtors: int
    incremental_recovered_per_debtor: Difference
    incremental_recovered_per_contact: Difference = Field(
        description="(mean treated - mean holdout) / mean contacts per treated debtor; "
        "delta-method interval (contacts are random too)"
    )
    net_incremental_recovered_per_debtor: Difference = Field(
        default=Difference(status="no debtors"),
        description="Per-debtor difference of recovered minus contact cost (Welch interval)",
    )
    always_valid_per_debtor: Difference = Field(
        default=Difference(status="no debtors"),
        description="Incremental recovered per debtor with a 95 % confidence sequence "
        "(Waudby-Smith et al. 2024): read daily without inflating false wins",
    )
    power: Power | None = Field(
        default=None, description="Null until both groups have two debtors (a variance)"
    )
    incremental_recovered: float | None = Field(
        description="Point estimate: incremental recovered per debtor x treated debtors"
    )
    cost_per_incremental_unit: float | None = Field(
        description="Contact cost / incremental recovered; null when that is not positive"
    )
    opt_out_rate_diff: Difference
    complaint_rate_diff: Difference


class GroupRow(_Out):
    currency: str
    strategy: str | None = None
    arm: str = Field(description='"holdout", an experiment arm, or "treated" when not by arm')
    segment: str | None = None
    bucket: str | None = None
    debtors: int
    contacts: int
    owed: int
    recovered: int
    cost: int
    recovery_rate: float | None
    recovered_per_debtor: float | None
    recovered_per_contact: float | None
    opt_out_rate: float | None
    complaint_rate: float | None
    promises: int = Field(default=0, description="Promises to pay made")
    promises_kept: int = Field(default=0, description="Of which kept")
    promise_kept_rate: float | None = Field(description="Promises kept / promises made")
    right_party_contact_rate: float | None
    cure_rate: float | None
    vs_holdout: HoldoutComparison | None = Field(
        description="Null on holdout rows; statuses say when there is no holdout to compare"
    )


class ArmComparison(_Out):
    """A challenger arm against the champion arm of the same cell."""

    currency: str
    strategy: str | None
    segment: str | None = None
    bucket: str | None = None
    arm: str
    baseline_arm: str
    debtors: int
    baseline_debtors: int
    recovered_per_debtor_diff: Difference
    always_valid_diff: Difference = Field(
        default=Difference(status="no debtors"),
        description="The same difference with a 95 % confidence sequence: the verdict's",
    )
    opt_out_rate_diff: Difference


class ChannelRow(_Out):
    """Debtors contacted at least once on ``channel`` in the cell."""

    currency: str
    strategy: str | None = None
    arm: str
    segment: str | None = None
    bucket: str | None = None
    channel: str
    debtors: int
    contacts: int
    cost: float = Field(description="The debtors' contact cost allocated to this channel")
    right_party_contact_rate: float | None
    opt_out_rate: float | None


class RollRow(_Out):
    """Courtesy reminders: due dates watched while current, and how many rolled past due.

    ``arm`` is ``holdout`` (no reminders) or the treated arm; rates count due
    dates (each watched due date is one trial), differences are treated minus
    holdout of the same strategy with Newcombe's 95% interval.
    """

    strategy: str
    arm: str
    debtors: int
    due_dates: int
    reminders: int
    rolled_1: int = Field(description="Due dates that rolled to 1+ days past due")
    rolled_30: int = Field(description="Due dates that rolled to 30+ days past due")
    roll_rate_1: float | None
    roll_rate_30: float | None
    vs_holdout_1: Difference | None = Field(description="Roll rate 1+ minus the holdout's")
    vs_holdout_30: Difference | None = Field(description="Roll rate 30+ minus the holdout's")


class OutcomeReport(_Out):
    tenant_id: str
    by: list[str]
    confidence: float = 0.95
    generated_at: float = Field(description="Epoch seconds the summaries were read")
    debtors: int = Field(description="Enrolled debtors read for this report")
    groups: list[GroupRow]
    comparisons: list[ArmComparison] = Field(description="Empty unless grouped by arm")
    channels: list[ChannelRow] = Field(description="Empty unless grouped by channel")
    roll_rates: list[RollRow] = Field(
        default=[], description="Courtesy reminders: roll rates, reminded against the holdout"
    )
