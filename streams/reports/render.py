"""Text renderings of a report for ``recaudo report``: a readable table, JSON, CSV.

The table is for a person at a terminal (money in minor units, rates in %,
intervals in brackets); CSV flattens every field for a spreadsheet, one block
per table (groups, then comparisons, channels and reminder roll rates when
present) separated by a blank line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import orjson
from pydantic import BaseModel

from recaudo.streams.reports.model import Difference, OutcomeReport


def num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def interval(d: Difference | None, pct: bool = False, digits: int = 1) -> str:
    if d is None or d.estimate is None:
        return "-" if d is None else d.status

    def fmt(value: float) -> str:
        return percent(value) if pct else num(value, digits)

    if d.low is None or d.high is None:
        return f"{fmt(d.estimate)} ({d.status})"
    return f"{fmt(d.estimate)} [{fmt(d.low)}, {fmt(d.high)}]"


def grid(header: Sequence[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def _keys(report: OutcomeReport) -> list[str]:
    wanted = {"arm": "strategy", "segment": "segment", "bucket": "bucket"}
    return ["currency"] + [wanted[b] for b in report.by if b in wanted]


def to_table(report: OutcomeReport) -> str:
    keys = _keys(report)
    header = [*keys, "arm", "debtors", "contacts", "recovery", "rec/debtor"]
    header += ["incr/debtor vs holdout [95%]", "incr/contact [95%]", "opt-out", "opt-out diff"]
    header += ["kept", "rpc", "cured", "cost/incr unit"]
    rows = []
    for g in report.groups:
        vs = g.vs_holdout
        rows.append(
            [str(getattr(g, k) or "") for k in keys]
            + [g.arm, str(g.debtors), str(g.contacts), percent(g.recovery_rate)]
            + [num(g.recovered_per_debtor)]
            + [interval(vs.incremental_recovered_per_debtor if vs else None)]
            + [interval(vs.incremental_recovered_per_contact if vs else None)]
            + [percent(g.opt_out_rate), interval(vs.opt_out_rate_diff if vs else None, pct=True)]
            + [
                percent(g.promise_kept_rate),
                percent(g.right_party_contact_rate),
                percent(g.cure_rate),
            ]
            + [num(vs.cost_per_incremental_unit if vs else None, 3)]
        )
    title = f"Outcomes for tenant {report.tenant_id}: {report.debtors} enrolled debtors"
    parts = [title, grid(header, rows) if rows else "(no enrolled debtors)"]
    if report.comparisons:
        head = [*keys, "arm", "vs", "debtors", "rec/debtor diff [95%]", "opt-out diff [95%]"]
        body = [
            [str(getattr(c, k) or "") for k in keys]
            + [c.arm, c.baseline_arm, f"{c.debtors} vs {c.baseline_debtors}"]
            + [interval(c.recovered_per_debtor_diff), interval(c.opt_out_rate_diff, pct=True)]
            for c in report.comparisons
        ]
        parts += ["Challenger vs champion", grid(head, body)]
    if report.channels:
        head = [*keys, "arm", "channel", "debtors", "contacts", "cost", "rpc", "opt-out"]
        body = [
            [str(getattr(c, k) or "") for k in keys]
            + [c.arm, c.channel, str(c.debtors), str(c.contacts), num(c.cost)]
            + [percent(c.right_party_contact_rate), percent(c.opt_out_rate)]
            for c in report.channels
        ]
        parts += ["By channel", grid(head, body)]
    if report.roll_rates:
        head = ["strategy", "arm", "debtors", "due dates", "reminders", "roll 1+"]
        head += ["vs holdout [95%]", "roll 30+", "vs holdout [95%]"]
        body = [
            [
                r.strategy,
                r.arm,
                str(r.debtors),
                str(r.due_dates),
                str(r.reminders),
                percent(r.roll_rate_1),
                interval(r.vs_holdout_1, pct=True),
                percent(r.roll_rate_30),
                interval(r.vs_holdout_30, pct=True),
            ]
            for r in report.roll_rates
        ]
        parts += ["Reminders: roll rates, reminded vs holdout", grid(head, body)]
    return "\n\n".join(parts) + "\n"


def to_json(report: OutcomeReport) -> str:
    return orjson.dumps(report.model_dump(mode="json"), option=orjson.OPT_INDENT_2).decode()


def _flat(model: BaseModel) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in model.model_dump(mode="json").items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                if isinstance(inner, dict):
                    out.update({f"{name}.{sub}.{k}": v for k, v in inner.items()})
                else:
                    out[f"{name}.{sub}"] = inner
        else:
            out[name] = value
    return out


def to_csv(report: OutcomeReport) -> str:
    return csv_blocks([report.groups, report.comparisons, report.channels, report.roll_rates])


def csv_blocks(blocks: Sequence[Sequence[BaseModel]]) -> str:
    """One CSV block per non-empty list of models, nested fields flattened, blank-line separated."""
    buffer = io.StringIO()
    first = True
    for block in (b for b in blocks if b):
        flat = [_flat(item) for item in block]
        names = list(dict.fromkeys(k for row in flat for k in row))
        # A null nested object (a holdout row's vs_holdout) is its columns left empty.
        fields = [f for f in names if not any(o.startswith(f + ".") for o in names)]
        if not first:
            buffer.write("\n")
        writer = csv.DictWriter(
            buffer, fieldnames=fields, lineterminator="\n", extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(flat)
        first = False
    return buffer.getvalue()


FORMATS = {"table": to_table, "json": to_json, "csv": to_csv}
