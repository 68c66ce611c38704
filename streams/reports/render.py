"""Text renderings of a report for ``recaudo report``: a readable table, JSON, CSV.

The table is for a manager at a terminal: money in major units with each
currency's own symbol and digits (Babel, English), rates in %, differences of
rates in percentage points, intervals in brackets, a legend under each table
and a verdict line per comparison ("not enough data yet" while the 95 %
interval still includes no difference). JSON and CSV keep the model's figures
as they are (money in minor units) for programs; CSV flattens every field for a
spreadsheet, one block per table (groups, then comparisons, channels and
reminder roll rates when present) separated by a blank line.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import orjson
from babel.numbers import format_currency, get_currency_precision, get_currency_symbol
from pydantic import BaseModel

from recaudo.streams.reports.model import Difference, GroupRow, HoldoutComparison, OutcomeReport

#: The language of the table's words, and so of its number formatting.
LOCALE = "en"
TOO_EARLY = "not enough data yet"


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


def money(minor: float | None, currency: str, signed: bool = False) -> str:
    """Minor units as the currency is written: ``250000, "MXN"`` -> ``MX$2,500.00``."""
    if minor is None:
        return "-"
    digits = get_currency_precision(currency)
    major = Decimal(str(minor)).scaleb(-digits)
    text = format_currency(abs(major), currency, locale=LOCALE)
    symbol = get_currency_symbol(currency, LOCALE)
    if symbol.isalpha() and text.startswith(symbol):  # "COP2,500.00" reads as one word
        text = f"{symbol} {text[len(symbol) :]}"
    sign = "-" if major < 0 else "+" if signed and major > 0 else ""
    return sign + text


def points(value: float) -> str:
    """A difference of two rates, in percentage points."""
    return f"{100 * value:+.1f} pts"


def verdict(d: Difference | None, higher_is_better: bool = True) -> str:
    """``ahead``/``behind`` once the 95 % interval excludes no difference."""
    if d is None or d.status == "no baseline":
        return "no baseline"
    if d.estimate is None or d.low is None or d.high is None or d.low <= 0 <= d.high:
        return TOO_EARLY
    return "ahead" if (d.low > 0) == higher_is_better else "behind"


def money_interval(d: Difference | None, currency: str) -> str:
    if d is None or d.estimate is None:
        return "-" if d is None else d.status
    estimate = money(d.estimate, currency, signed=True)
    if d.low is None or d.high is None:
        return f"{estimate} ({d.status})"
    low, high = money(d.low, currency, signed=True), money(d.high, currency, signed=True)
    return f"{estimate} [{low}, {high}]"


def points_interval(d: Difference | None) -> str:
    if d is None or d.estimate is None:
        return "-" if d is None else d.status
    if d.low is None or d.high is None:
        return f"{points(d.estimate)} ({d.status})"
    return f"{points(d.estimate)} [{100 * d.low:+.1f}, {100 * d.high:+.1f}]"


def grid(header: Sequence[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def legend(entries: Sequence[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in entries)
    return "\n".join(f"  {name.ljust(width)}  {meaning}" for name, meaning in entries)


GROUP_LEGEND = (
    ("arm", "the experiment arm; holdout: debtors never contacted, the baseline"),
    ("debtors", "debtors enrolled in the group"),
    ("contacts", "messages and calls sent to them"),
    ("recovered", "share of what they owed that was paid"),
    ("per debtor", "amount recovered per debtor"),
    ("vs holdout", "extra recovered per debtor against the holdout of the same row group,"),
    ("", "estimate [always-valid 95 % interval, safe to read every day; the"),
    ("", "fixed-sample interval is in the JSON and CSV]"),
    ("per contact", "extra recovery per contact sent [95 % interval, delta method]"),
    ("net per debtor", "extra recovery per debtor less what the contacts cost [95 % interval]"),
    ("verdict", "ahead / behind the holdout once the vs holdout interval excludes no"),
    ("", f"difference; {TOO_EARLY} while it could still be either"),
    ("opt-out", "share of debtors who opted out of a channel"),
    ("opt-out vs holdout", "difference of opt-out rates, in percentage points [95 % interval]"),
    ("promises kept", "promises to pay kept / promises made"),
    ("right party", "share of debtors reached in person (right-party contact)"),
    ("cured", "share of debtors brought back to current"),
    ("cost per extra 1", "contact cost per 1 unit of extra recovery; under 1.00 they pay for"),
    ("", "themselves"),
)
CHANNEL_LEGEND = (
    ("debtors", "debtors contacted at least once on the channel"),
    ("contacts", "contacts sent on it"),
    ("cost", "their contact cost allocated to the channel"),
    ("right party", "share of those debtors reached in person"),
    ("opt-out", "share of those debtors who opted out"),
)
ROLL_LEGEND = (
    ("due dates", "due dates watched while the account was current"),
    ("reminders", "courtesy reminders sent before them"),
    ("roll 1+ / 30+", "share of due dates that went 1+ / 30+ days past due"),
    ("vs holdout", "difference from the holdout, in percentage points [95 % interval]"),
)


def _keys(report: OutcomeReport) -> list[str]:
    wanted = {"arm": "strategy", "segment": "segment", "bucket": "bucket"}
    return ["currency"] + [wanted[b] for b in report.by if b in wanted]


def _cell_name(row: Any, keys: list[str]) -> str:
    return " ".join(str(getattr(row, k)) for k in keys if getattr(row, k))


def _span(d: Difference, currency: str, label: str = "95 % interval") -> str:
    if d.status == "no spread":
        return " (no interval yet: every debtor of both groups came to the same amount)"
    if d.low is None or d.high is None:
        return " (too few debtors for an interval)"
    low, high = money(d.low, currency, True), money(d.high, currency, True)
    return f" ({label} {low} to {high})"


def _power_line(vs: HoldoutComparison, currency: str) -> str:
    """What a too-early comparison can detect now, and what would detect its estimate."""
    p = vs.power
    if p is None:
        return ""
    line = f"; the smallest effect detectable now is {money(p.minimum_detectable_effect, currency)}"
    line += " per debtor"
    if p.effect is None or p.effect >= p.minimum_detectable_effect:
        return line
    ways = []
    if p.holdout_debtors_needed is not None:
        ways.append(f"a holdout of {p.holdout_debtors_needed} debtors")
    if p.more_days_needed is not None:
        ways.append(f"about {math.ceil(p.more_days_needed)} more days at this volume")
    if not ways:
        return line + f"; detecting {money(p.effect, currency)} needs more debtors than this volume"
    return line + f"; {' or '.join(ways)} would detect {money(p.effect, currency)}"


def _group_verdict(g: GroupRow, keys: list[str]) -> str | None:
    vs = g.vs_holdout
    if vs is None:
        return None
    d = vs.always_valid_per_debtor
    said = verdict(d)
    cell = _cell_name(g, keys)
    if said == "no baseline":
        return f"{cell} {g.arm} vs holdout: no holdout debtors to compare with."
    line = f"{cell} {g.arm} vs holdout: {said}"
    if d.estimate is not None:
        more = "more" if d.estimate >= 0 else "less"
        line += f" — {money(abs(d.estimate), g.currency)} {more} recovered per debtor"
        line += _span(d, g.currency, "always-valid 95 % interval")
    line += f", {g.debtors} vs {vs.holdout_debtors} debtors"
    if said == TOO_EARLY:
        line += _power_line(vs, g.currency)
    if verdict(vs.opt_out_rate_diff, higher_is_better=False) == "behind":
        line += f"; opt-outs up {points(vs.opt_out_rate_diff.estimate or 0.0)}"
    return line + "."


def to_table(report: OutcomeReport) -> str:
    keys = _keys(report)
    header = [*keys, "arm", "debtors", "contacts", "recovered", "per debtor"]
    header += ["vs holdout [95%]", "per contact [95%]", "net per debtor [95%]", "verdict"]
    header += ["opt-out"]
    header += ["opt-out vs holdout", "promises kept", "right party", "cured", "cost per extra 1"]
    rows = []
    for g in report.groups:
        vs = g.vs_holdout
        per_debtor = vs.always_valid_per_debtor if vs else None
        rows.append(
            [str(getattr(g, k) or "") for k in keys]
            + [g.arm, str(g.debtors), str(g.contacts), percent(g.recovery_rate)]
            + [money(g.recovered_per_debtor, g.currency)]
            + [money_interval(per_debtor, g.currency)]
            + [money_interval(vs.incremental_recovered_per_contact if vs else None, g.currency)]
            + [money_interval(vs.net_incremental_recovered_per_debtor if vs else None, g.currency)]
            + [verdict(per_debtor) if vs else "baseline"]
            + [percent(g.opt_out_rate), points_interval(vs.opt_out_rate_diff if vs else None)]
            + [
                percent(g.promise_kept_rate),
                percent(g.right_party_contact_rate),
                percent(g.cure_rate),
            ]
            + [num(vs.cost_per_incremental_unit if vs else None, 2)]
        )
    title = f"Outcomes for tenant {report.tenant_id}: {report.debtors} enrolled debtors"
    parts = [title, grid(header, rows) if rows else "(no enrolled debtors)"]
    if rows:
        parts.append("Columns:\n" + legend(GROUP_LEGEND))
    verdicts = [v for v in (_group_verdict(g, keys) for g in report.groups) if v]
    if report.comparisons:
        head = [*keys, "arm", "vs", "debtors", "per debtor diff [95%]", "verdict"]
        head += ["opt-out diff [95%]"]
        body = [
            [str(getattr(c, k) or "") for k in keys]
            + [c.arm, c.baseline_arm, f"{c.debtors} vs {c.baseline_debtors}"]
            + [money_interval(c.recovered_per_debtor_diff, c.currency)]
            + [verdict(c.always_valid_diff), points_interval(c.opt_out_rate_diff)]
            for c in report.comparisons
        ]
        parts += ["Challenger vs champion", grid(head, body)]
        for c in report.comparisons:
            d = c.always_valid_diff
            line = f"{_cell_name(c, keys)} {c.arm} vs {c.baseline_arm}: {verdict(d)}"
            if d.estimate is not None:
                line += f" — {money(d.estimate, c.currency, True)} per debtor"
                line += _span(d, c.currency, "always-valid 95 % interval")
            verdicts.append(f"{line}, {c.debtors} vs {c.baseline_debtors} debtors.")
    if report.channels:
        head = [*keys, "arm", "channel", "debtors", "contacts", "cost", "right party", "opt-out"]
        body = [
            [str(getattr(c, k) or "") for k in keys]
            + [c.arm, c.channel, str(c.debtors), str(c.contacts), money(c.cost, c.currency)]
            + [percent(c.right_party_contact_rate), percent(c.opt_out_rate)]
            for c in report.channels
        ]
        parts += ["By channel", grid(head, body), "Columns:\n" + legend(CHANNEL_LEGEND)]
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
                points_interval(r.vs_holdout_1),
                percent(r.roll_rate_30),
                points_interval(r.vs_holdout_30),
            ]
            for r in report.roll_rates
        ]
        parts += ["Reminders: roll rates, reminded vs holdout", grid(head, body)]
        parts.append("Columns:\n" + legend(ROLL_LEGEND))
        for r in report.roll_rates:
            if r.vs_holdout_1 is not None:
                said = verdict(r.vs_holdout_1, higher_is_better=False)
                verdicts.append(f"{r.strategy} {r.arm} reminders vs holdout, roll 1+: {said}.")
    if verdicts:
        parts.append("Verdicts:\n" + "\n".join(f"  {v}" for v in verdicts))
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
