"""What ``recaudo backtest`` prints at the end: a table, JSON or CSV.

The table reuses ``streams.reports.render``'s formatting (money in minor
units, intervals in brackets); JSON carries each policy's full ``recaudo
report`` besides the condensed rows; CSV flattens the rows, one block per
table, as ``recaudo report --format csv`` does. On a dated log the contact
diff is followed by each policy's off-policy estimate (or the line saying why
there is none): in the table a row per policy and tenant, in JSON the very
report ``recaudo evaluate --format json`` prints for the same records; CSV
leaves it out, as it leaves out the full reports.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from pydantic import BaseModel

from recaudo.backtest.compare import PolicyDifference, PolicyRun
from recaudo.backtest.diff import NO_COUNTERFACTUAL, ContactDiff
from recaudo.backtest.offpolicy import OffPolicy, OffPolicyEstimate
from recaudo.backtest.outcome import ArmOutcome
from recaudo.models.offpolicy import Estimate
from recaudo.streams.reports.render import csv_blocks, grid, interval, num

TRUTH_NOTE = (
    "true incremental: the simulator's own truth, what these debtors paid minus what "
    "the same debtors paid in the same world with no contact at all"
)


def _run_line(run: PolicyRun) -> str:
    r = run.result
    days = (r.end - r.start).total_seconds() / 86400
    return (
        f"{run.name}: {days:g} simulated days, {r.inputs:,} inputs, "
        f"{r.actions.get('contact', 0):,} contact decisions, {r.sent:,} sent, "
        f"{r.dead_letters} dead letters, digest {r.digest} ({r.wall_s:.0f} s)"
    )


def _outcome_grid(rows: Sequence[ArmOutcome]) -> str:
    truth = any(r.true_incremental_recovered is not None for r in rows)
    header = ["policy", "tenant", "currency", "arm", "debtors", "contacts", "by channel"]
    header += ["recovered", "incremental vs holdout [95%]"]
    header += ["true incremental"] if truth else []
    header += ["incr/contact [95%]", "net of cost", "opt-outs/1k", "complaints/1k"]
    header += ["promises kept/made"]
    body = []
    for r in rows:
        channels = " ".join(f"{ch}:{n}" for ch, n in r.contacts_by_channel.items()) or "-"
        line = [r.policy, r.tenant_id, r.currency, r.arm, str(r.debtors), str(r.contacts)]
        line += [channels, f"{r.recovered:,}", interval(r.incremental_recovered, digits=0)]
        if truth:
            real = r.true_incremental_recovered
            line.append("-" if real is None else f"{real:,}")
        line += [interval(r.incremental_per_contact), num(r.net_of_cost, 0)]
        line += [num(r.opt_outs_per_1000), num(r.complaints_per_1000)]
        line.append(f"{r.promises_kept}/{r.promises}")
        body.append(line)
    return grid(header, body)


def _difference_grid(rows: Sequence[PolicyDifference]) -> str:
    truth = any(r.true_recovered_diff is not None for r in rows)
    header = ["policy", "vs", "tenant", "currency", "debtors", "contacts diff"]
    header += ["recovered diff [95%, paired by debtor]"]
    header += ["true recovered diff"] if truth else []
    body = []
    for r in rows:
        line = [r.policy, r.baseline, r.tenant_id, r.currency, str(r.debtors)]
        line += [f"{r.contacts_diff:+,}", interval(r.recovered_diff, digits=0)]
        if truth:
            line.append("-" if r.true_recovered_diff is None else f"{r.true_recovered_diff:+,}")
        body.append(line)
    return grid(header, body)


def _changes_grid(rows: Sequence[ContactDiff]) -> str:
    def pairs(counts: dict[str, tuple[int, int]] | dict[int, tuple[int, int]]) -> str:
        return " ".join(f"{k}:+{a}/-{r}" for k, (a, r) in counts.items()) or "-"

    header = ["policy", "vs", "added", "removed", "moved", "debtors affected"]
    header += ["by channel", "by hour (UTC)", "by rule"]
    body = [
        [
            c.policy,
            c.baseline,
            str(c.added),
            str(c.removed),
            str(c.moved),
            str(c.debtors_affected),
            pairs(c.by_channel),
            pairs(c.by_hour),
            pairs(c.by_rule),
        ]
        for c in rows
    ]
    return grid(header, body)


def _estimate(e: Estimate | None) -> str:
    return "-" if e is None else f"{e.value:,.2f} [{e.low:,.2f}, {e.high:,.2f}]"


def _offpolicy_grid(rows: Sequence[OffPolicyEstimate]) -> str:
    header = ["policy", "vs", "tenant", "logged choices", "unsupported", "ESS"]
    header += ["logged (observed)", "IPS [95%]", "SNIPS [95%]", "DR [95%]"]
    header += ["DR per contact [95%]"]
    noted = any(r.note for r in rows)
    header += ["note"] if noted else []
    body = []
    for r in rows:
        line = [r.policy, r.baseline, r.tenant_id]
        ev = r.evaluation
        if ev is None:
            line += ["-"] * 8
        else:
            line += [f"{ev.records:,}", f"{ev.unsupported:,} ({ev.unsupported / ev.records:.1%})"]
            line += [f"{ev.ess:,.1f}", f"{ev.logged_per_decision:,.2f}", _estimate(ev.ips)]
            line += [_estimate(ev.snips), _estimate(ev.dr), _estimate(ev.dr_per_contact)]
        line += [r.note or "-"] if noted else []
        body.append(line)
    return grid(header, body)


def _offpolicy_part(off: OffPolicy) -> list[str]:
    """The estimates under their reading, or the one line saying why there are none."""
    if off.note is not None:
        return [off.note]
    title = (
        "Off-policy estimate (as `recaudo evaluate`) from the lender's logged choices: "
        f"paid within {off.window_days:g} days after a decision, per decision, in reference "
        "units, 95% intervals; ESS: the records the estimate is worth"
    )
    return [title, _offpolicy_grid(off.estimates)]


def to_table(
    runs: Sequence[PolicyRun],
    rows: Sequence[ArmOutcome],
    diffs: Sequence[PolicyDifference],
    changes: Sequence[ContactDiff],
    offpolicy: OffPolicy | None = None,
) -> str:
    parts = ["\n".join(_run_line(run) for run in runs)]
    parts += ["Outcome against the no-contact holdout", _outcome_grid(rows)]
    if any(r.true_incremental_recovered is not None for r in rows):
        parts.append(TRUTH_NOTE)
    if diffs:
        parts += [f"Each policy against {runs[0].name}, paired by debtor", _difference_grid(diffs)]
    if changes:
        parts += [NO_COUNTERFACTUAL, _changes_grid(changes)]
    if offpolicy is not None:
        parts += _offpolicy_part(offpolicy)
    return "\n\n".join(parts) + "\n"


def to_json(
    runs: Sequence[PolicyRun],
    rows: Sequence[ArmOutcome],
    diffs: Sequence[PolicyDifference],
    changes: Sequence[ContactDiff],
    offpolicy: OffPolicy | None = None,
) -> str:
    policies = [
        {
            "policy": run.name,
            "run": run.result.as_dict(),
            "reports": [o.report.model_dump(mode="json") for o in run.result.outcomes.values()],
            "outcome": [r.model_dump(mode="json") for r in rows if r.policy == run.name],
        }
        for run in runs
    ]
    body = {
        "policies": policies,
        "differences": [d.model_dump(mode="json") for d in diffs],
        "contact_changes": [c.model_dump(mode="json") for c in changes],
        "off_policy": None if offpolicy is None else offpolicy.as_dict(),
    }
    return orjson.dumps(body, option=orjson.OPT_INDENT_2).decode() + "\n"


def to_csv(
    runs: Sequence[PolicyRun],
    rows: Sequence[ArmOutcome],
    diffs: Sequence[PolicyDifference],
    changes: Sequence[ContactDiff],
    offpolicy: OffPolicy | None = None,
) -> str:
    blocks: list[Sequence[BaseModel]] = [rows, diffs, changes]
    return csv_blocks(blocks)


FORMATS = {"table": to_table, "json": to_json, "csv": to_csv}
