"""What a backtest recovered, read from its own Redis state before it is removed.

The figures are those of ``recaudo report`` (``streams.reports``), computed from
the same committed ``OutcomeSummary`` of every debtor, grouped by arm and
channel; ``headline`` condenses them into the rows a lender asks for first. On
a simulated world, the simulator's truth of the same debtors with no contact
at all stands beside the service's estimate against its holdout.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from recaudo.contracts.state import OutcomeSummary
from recaudo.rules.tenants import TenantPolicies
from recaudo.streams.reports import OutcomeReport, ReportSource, stats
from recaudo.streams.reports.model import Difference
from recaudo.streams.reports.outcomes import Dimension
from recaudo.streams.reports.source import policy_channel_costs
from recaudo.streams.wiring import Wiring

BY: tuple[Dimension, ...] = ("arm", "channel")


@dataclass(frozen=True, slots=True)
class TenantOutcome:
    """One tenant's report and the per-debtor summaries it was computed from."""

    report: OutcomeReport
    summaries: tuple[tuple[str, OutcomeSummary], ...]


async def read_outcomes(wiring: Wiring, at: float) -> dict[str, TenantOutcome]:
    """Every tenant's outcome as ``recaudo report`` computes it, stamped with event time ``at``."""
    policies = TenantPolicies(sorted(wiring.tenants), wiring.settings.policy_dir)
    # One scan per tenant: the cache never expires on a clock that stands still.
    source = ReportSource(
        wiring.redis,
        wiring.keys,
        ttl_s=math.inf,
        clock=lambda: at,
        wall=lambda: at,
        channel_weights=policy_channel_costs(policies),
    )
    out: dict[str, TenantOutcome] = {}
    for tenant in sorted(wiring.tenants):
        _, summaries = await source.summaries(tenant)
        report = await source.report(tenant, BY)
        out[tenant] = TenantOutcome(report, tuple(summaries))
    return out


class ArmOutcome(BaseModel):
    """One arm of one policy: what it did and recovered, against the holdout."""

    model_config = ConfigDict(frozen=True)

    policy: str
    tenant_id: str
    currency: str
    arm: str
    debtors: int
    contacts: int
    contacts_by_channel: dict[str, int]
    recovered: int
    cost: int
    incremental_recovered: Difference | None
    incremental_per_contact: Difference | None
    net_of_cost: float | None
    true_incremental_recovered: int | None
    opt_outs_per_1000: float | None
    complaints_per_1000: float | None
    promises: int
    promises_kept: int


Truth = Mapping[str, int]  # debtor id -> recovered, minor units


def true_incremental(
    summaries: tuple[tuple[str, OutcomeSummary], ...],
    treated: Truth,
    untreated: Truth,
) -> dict[tuple[str, str], int]:
    """(currency, arm) -> what contact really added: treated minus never-contacted, per debtor."""
    out: dict[tuple[str, str], int] = {}
    for debtor, s in summaries:
        key = (s.cur, s.arm or "unassigned")
        out[key] = out.get(key, 0) + treated.get(debtor, 0) - untreated.get(debtor, 0)
    return out


def headline(
    policy: str,
    outcome: TenantOutcome,
    truth: tuple[Truth, Truth] | None = None,
) -> list[ArmOutcome]:
    """The report's arm rows with channel counts, totals and, on a world, the true increment."""
    report = outcome.report
    real = true_incremental(outcome.summaries, *truth) if truth else None
    by_channel: dict[tuple[str, str], dict[str, int]] = {}
    for c in report.channels:
        by_channel.setdefault((c.currency, c.arm), {})[c.channel] = c.contacts
    rows = []
    for g in report.groups:
        vs = g.vs_holdout
        total = stats.scaled(vs.incremental_recovered_per_debtor, g.debtors) if vs else None
        net = vs.incremental_recovered if vs else None
        rows.append(
            ArmOutcome(
                policy=policy,
                tenant_id=report.tenant_id,
                currency=g.currency,
                arm=g.arm,
                debtors=g.debtors,
                contacts=g.contacts,
                contacts_by_channel=dict(sorted(by_channel.get((g.currency, g.arm), {}).items())),
                recovered=g.recovered,
                cost=g.cost,
                incremental_recovered=total,
                incremental_per_contact=vs.incremental_recovered_per_contact if vs else None,
                net_of_cost=None if net is None else net - g.cost,
                true_incremental_recovered=None
                if real is None or vs is None
                else real.get((g.currency, g.arm), 0),
                opt_outs_per_1000=_per_1000(g.opt_out_rate),
                complaints_per_1000=_per_1000(g.complaint_rate),
                promises=g.promises,
                promises_kept=g.promises_kept,
            )
        )
    return rows


def _per_1000(rate: float | None) -> float | None:
    return None if rate is None else 1000 * rate
