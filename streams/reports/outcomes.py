"""Group outcome summaries and compare each treated group with its holdout.

Pure: an iterable of ``(debtor_id, OutcomeSummary)`` in, an ``OutcomeReport``
out, so the same arithmetic serves the CLI, the API, the gauges and the tests.
A *cell* is currency x the requested groupings other than arm; the baseline of
a treated group is the holdout of its cell (same experiment, segment, bucket),
because a holdout is only a fair control for debtors enrolled like it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from recaudo.contracts.state import OutcomeSummary
from recaudo.streams.reports import stats
from recaudo.streams.reports.model import (
    ArmComparison,
    ChannelRow,
    GroupRow,
    HoldoutComparison,
    OutcomeReport,
)
from recaudo.streams.reports.power import plan

Dimension = Literal["arm", "segment", "bucket", "channel"]
DIMENSIONS: tuple[Dimension, ...] = get_args(Dimension)
HOLDOUT = "holdout"
TREATED = "treated"  # every non-holdout arm, when the report is not split by arm
BUCKETS = ("1-30", "31-60", "61-90", "91+")

Cell = tuple[str, str | None, str | None, str | None]  # currency, strategy, segment, bucket


def parse_dimensions(values: Iterable[str]) -> list[Dimension]:
    """``["arm", "segment,bucket"]`` -> dimensions; ValueError names the unknown one."""
    out: list[Dimension] = []
    for value in values:
        for name in (v.strip() for v in value.split(",") if v.strip()):
            if name == "strategy":
                name = "arm"
            if name not in DIMENSIONS:
                raise ValueError(f"unknown grouping {name!r}; expected one of {DIMENSIONS}")
            if name not in out:
                out.append(name)
    return out


@dataclass
class _Channel:
    debtors: int = 0
    contacts: int = 0
    cost: float = 0.0
    rpc: int = 0
    opt: int = 0


@dataclass
class _Group:
    recovered: list[float] = field(default_factory=list)
    contacts_each: list[float] = field(default_factory=list)
    cost_each: list[float] = field(default_factory=list)
    first_enrolled: float = math.inf
    last_enrolled: float = -math.inf
    contacts: int = 0
    owed: int = 0
    cost: int = 0
    opt: int = 0
    cmp: int = 0
    prom: int = 0
    kept: int = 0
    rpc: int = 0
    cured: int = 0
    channels: dict[str, _Channel] = field(default_factory=lambda: defaultdict(_Channel))

    @property
    def debtors(self) -> int:
        return len(self.recovered)

    def add(self, s: OutcomeSummary, weights: Mapping[str, float] | None) -> None:
        self.recovered.append(float(s.rec))
        self.contacts_each.append(float(s.n))
        self.cost_each.append(float(s.cost))
        self.first_enrolled = min(self.first_enrolled, s.since)
        self.last_enrolled = max(self.last_enrolled, s.since)
        self.contacts += s.n
        self.owed += s.owed
        self.cost += s.cost
        self.opt += s.opt
        self.cmp += s.cmp
        self.prom += s.prom
        self.kept += s.kept
        self.rpc += s.rpc
        self.cured += s.cured
        used = {ch: n for ch, n in s.by_ch.items() if n > 0}
        # The summary keeps one cost total; share it out by contacts x the
        # channel's relative cost (plain contact counts when no costs are given).
        share = {ch: n * (weights.get(ch, 0.0) if weights else 1.0) for ch, n in used.items()}
        if not sum(share.values()):
            share = {ch: float(n) for ch, n in used.items()}
        total = sum(share.values())
        for ch, n in used.items():
            acc = self.channels[ch]
            acc.debtors += 1
            acc.contacts += n
            acc.cost += s.cost * share[ch] / total
            acc.rpc += s.rpc
            acc.opt += s.opt


def _cell(s: OutcomeSummary, by: list[Dimension]) -> Cell:
    return (
        s.cur,
        s.strat if "arm" in by else None,
        (s.seg or "") if "segment" in by else None,
        s.bkt if "bucket" in by else None,
    )


def _arm(s: OutcomeSummary, by: list[Dimension]) -> str:
    if s.arm == HOLDOUT:
        return HOLDOUT
    if "arm" not in by:
        return TREATED
    return s.arm or "unassigned"


def _sort_key(cell: Cell, arm: str) -> tuple[object, ...]:
    cur, strat, seg, bkt = cell
    bucket = BUCKETS.index(bkt) if bkt in BUCKETS else len(BUCKETS)
    return (cur, strat or "", seg or "", bucket, bkt or "", arm == HOLDOUT, arm)


def _vs_holdout(g: _Group, h: _Group | None) -> HoldoutComparison:
    base = h or _Group()
    per_debtor = stats.holdout_difference(g.recovered, base.recovered)
    incremental = None if per_debtor.estimate is None else per_debtor.estimate * g.debtors
    net = [y - c for y, c in zip(g.recovered, g.cost_each, strict=True)]
    net_base = [y - c for y, c in zip(base.recovered, base.cost_each, strict=True)]
    n = g.debtors + base.debtors
    power = None
    if per_debtor.status == "ok":  # two debtors a group or more, and some spread
        # The enrolment span, read from the data (never the wall clock): the volume so far.
        span = max(g.last_enrolled, base.last_enrolled) - min(g.first_enrolled, base.first_enrolled)
        se = stats.pooled_se(g.recovered, base.recovered)
        power = plan(
            se * se / (1 / g.debtors + 1 / base.debtors),
            g.debtors,
            base.debtors,
            per_debtor.estimate,
            span / 86400,
        )
    return HoldoutComparison(
        holdout_debtors=base.debtors,
        incremental_recovered_per_debtor=per_debtor,
        incremental_recovered_per_contact=stats.per_contact_difference(
            g.recovered, g.contacts_each, base.recovered
        ),
        net_incremental_recovered_per_debtor=stats.holdout_difference(net, net_base),
        always_valid_per_debtor=stats.always_valid(per_debtor, n),
        power=power,
        incremental_recovered=incremental,
        cost_per_incremental_unit=g.cost / incremental if incremental and incremental > 0 else None,
        opt_out_rate_diff=stats.rate_difference(g.opt, g.debtors, base.opt, base.debtors),
        complaint_rate_diff=stats.rate_difference(g.cmp, g.debtors, base.cmp, base.debtors),
    )


def _row(cell: Cell, arm: str, g: _Group, holdout: _Group | None) -> GroupRow:
    cur, strat, seg, bkt = cell
    n, rec = g.debtors, int(sum(g.recovered))
    return GroupRow(
        currency=cur,
        strategy=strat,
        arm=arm,
        segment=seg,
        bucket=bkt,
        debtors=n,
        contacts=g.contacts,
        owed=g.owed,
        recovered=rec,
        cost=g.cost,
        recovery_rate=stats.ratio(rec, g.owed),
        recovered_per_debtor=stats.ratio(rec, n),
        recovered_per_contact=stats.ratio(rec, g.contacts),
        opt_out_rate=stats.ratio(g.opt, n),
        complaint_rate=stats.ratio(g.cmp, n),
        promises=g.prom,
        promises_kept=g.kept,
        promise_kept_rate=stats.ratio(g.kept, g.prom),
        right_party_contact_rate=stats.ratio(g.rpc, n),
        cure_rate=stats.ratio(g.cured, n),
        vs_holdout=None if arm == HOLDOUT else _vs_holdout(g, holdout),
    )


def compute_report(
    tenant_id: str,
    summaries: Iterable[tuple[str, OutcomeSummary]],
    by: Iterable[Dimension] = ("arm",),
    *,
    generated_at: float = 0.0,
    champion: str = "champion",
    channel_weights: Mapping[str, float] | None = None,
) -> OutcomeReport:
    """The tenant's report; ``channel_weights`` (relative cost per contact) splits cost."""
    dims = list(by)
    groups: dict[tuple[Cell, str], _Group] = defaultdict(_Group)
    seen: set[str] = set()
    for debtor_id, s in summaries:
        if debtor_id in seen:  # a scan may return a key twice (SCAN's guarantee)
            continue
        seen.add(debtor_id)
        groups[(_cell(s, dims), _arm(s, dims))].add(s, channel_weights)
    order = sorted(groups, key=lambda k: _sort_key(*k))
    rows = [
        _row(cell, arm, groups[(cell, arm)], groups.get((cell, HOLDOUT))) for cell, arm in order
    ]
    comparisons: list[ArmComparison] = []
    if "arm" in dims:
        for cell, arm in order:
            base = groups.get((cell, champion))
            if arm in (HOLDOUT, champion) or base is None:
                continue
            g = groups[(cell, arm)]
            diff = stats.welch_difference(g.recovered, base.recovered)
            comparisons.append(
                ArmComparison(
                    currency=cell[0],
                    strategy=cell[1],
                    segment=cell[2],
                    bucket=cell[3],
                    arm=arm,
                    baseline_arm=champion,
                    debtors=g.debtors,
                    baseline_debtors=base.debtors,
                    recovered_per_debtor_diff=diff,
                    always_valid_diff=stats.always_valid(diff, g.debtors + base.debtors),
                    opt_out_rate_diff=stats.rate_difference(
                        g.opt, g.debtors, base.opt, base.debtors
                    ),
                )
            )
    channels: list[ChannelRow] = []
    if "channel" in dims:
        for cell, arm in order:
            for ch, acc in sorted(groups[(cell, arm)].channels.items()):
                channels.append(
                    ChannelRow(
                        currency=cell[0],
                        strategy=cell[1],
                        arm=arm,
                        segment=cell[2],
                        bucket=cell[3],
                        channel=ch,
                        debtors=acc.debtors,
                        contacts=acc.contacts,
                        cost=acc.cost,
                        right_party_contact_rate=stats.ratio(acc.rpc, acc.debtors),
                        opt_out_rate=stats.ratio(acc.opt, acc.debtors),
                    )
                )
    return OutcomeReport(
        tenant_id=tenant_id,
        by=list(dims),
        confidence=stats.CONFIDENCE,
        generated_at=generated_at,
        debtors=len(seen),
        groups=rows,
        comparisons=comparisons,
        channels=channels,
    )
