"""``recaudo backtest``: try a policy on event time before it goes live."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import click
import orjson
from pydantic import TypeAdapter, ValidationError

from recaudo import cli_params
from recaudo.backtest.compare import PolicyRun, compare
from recaudo.backtest.diff import contact_diff
from recaudo.backtest.driver import Backtest, BacktestResult
from recaudo.backtest.offpolicy import DecisionLog, OffPolicy, off_policy
from recaudo.backtest.outcome import Truth, headline
from recaudo.backtest.progress import Progress
from recaudo.backtest.render import FORMATS
from recaudo.backtest.sources import EventLog, EventSource
from recaudo.contracts.events import InputEvent
from recaudo.embedded import resolve_redis
from recaudo.foundation.config import Settings, load_settings
from recaudo.foundation.errors import EvaluationError
from recaudo.simulator.world import World
from recaudo.simulator.world_config import WorldTruth

#: One collector's day of calls: the default team of a simulated portfolio.
TEAM_CALLS_PER_DAY = 40
DEFAULT_START = "2026-03-02T05:00:00+00:00"
_INPUT: TypeAdapter[InputEvent] = TypeAdapter(InputEvent)


@dataclass
class LogLines:
    """A lender's log as read: its events, and the lines that are none (with the first why).

    A bad line is skipped and counted, as the live intake dead-letters one, so a
    long log is not lost to one line; the count is printed, never silent.
    """

    path: str
    events: list[InputEvent] = field(default_factory=list)
    lines: int = 0
    unreadable: int = 0
    first_error: str = ""

    @classmethod
    def read(cls, path: str) -> LogLines:
        out = cls(path)
        with Path(path).open("rb") as handle:
            for line_no, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                out.lines += 1
                try:
                    out.events.append(_INPUT.validate_python(orjson.loads(line)))
                except orjson.JSONDecodeError:
                    out._skip(line_no, "not JSON")
                except ValidationError as exc:
                    err = exc.errors(include_url=False)[0]
                    where = ".".join(str(p) for p in err["loc"]) or "event"
                    out._skip(line_no, f"{where}: {err['msg']}")
        return out

    def _skip(self, line_no: int, why: str) -> None:
        self.unreadable += 1
        self.first_error = self.first_error or f"line {line_no}: {why}"

    def skipped(self) -> str:
        return f"{self.unreadable} unreadable (first, {self.first_error})"

    def nothing_to_read(self, tenants: list[str], began: dt.datetime, days: float) -> str | None:
        """Why no event of the log would reach the run, with each kind of line counted;
        None when some would."""
        end = began + dt.timedelta(days=days)
        ours = [e for e in self.events if e.tenant_id in tenants]
        if any(e.occurred_at <= end for e in ours):
            return None
        reasons = []
        if self.unreadable:
            reasons.append(self.skipped())
        if late := len(ours):
            reasons.append(
                f"{late} after the window's end {end.isoformat()} "
                f"(--start {began.isoformat()} + --days {days:g})"
            )
        if others := len(self.events) - len(ours):
            theirs = ", ".join(sorted({e.tenant_id for e in self.events} - set(tenants)))
            reasons.append(
                f"{others} for tenants other than --tenant {','.join(tenants)} ({theirs})"
            )
        return (
            f"{self.path}: nothing to read: all {self.lines} line{'s' * (self.lines != 1)} "
            "skipped: " + "; ".join(reasons)
            if self.lines
            else f"{self.path}: the log holds no lines"
        )


def backtest_settings(
    base: Settings, redis_url: str, tenant: str, policy_dir: str | None
) -> Settings:
    """The worker's settings on a private key prefix, so a backtest never meets live state."""
    values = base.model_dump()
    values.update(
        redis_url=redis_url,
        redis_prefix=f"bt-{uuid.uuid4().hex[:10]}",
        tenants=tenant,
        policy_dir=policy_dir or base.policy_dir,
        schedule_shards=4,
    )
    return Settings.model_validate(values)


async def run_backtest(
    settings: Settings,
    source: EventSource,
    start: dt.datetime,
    days: float,
    decisions_out: BinaryIO | None,
    tick_minutes: float,
    progress: Callable[[dt.datetime, int], None] | None = None,
    team_calls_per_day: int = 0,
) -> BacktestResult:
    run = Backtest(
        settings,
        source,
        start=start,
        days=days,
        tick=dt.timedelta(minutes=tick_minutes),
        decisions_out=decisions_out,
        progress=progress,
        team_calls_per_day=team_calls_per_day,
    )
    return await run.run()


def _names(policy_dirs: Sequence[str | None]) -> list[str]:
    """A short, unique label per policy: its folder's name, numbered when repeated."""
    names: list[str] = []
    for folder in policy_dirs:
        name = Path(folder).name if folder else "built-in"
        names.append(name if name not in names else f"{name}#{names.count(name) + 1}")
    return names


def run_policies(
    base: Settings,
    redis_url: str,
    tenant: str,
    policy_dirs: Sequence[str | None],
    make_source: Callable[[], EventSource],
    start: dt.datetime,
    days: float,
    tick_minutes: float,
    decisions_out: BinaryIO | None = None,
    quiet: bool = True,
    team_calls_per_day: int = 0,
) -> list[PolicyRun]:
    """Each policy on a fresh copy of the same source; on a world, with its truth."""
    runs = []
    untreated: Truth | None = None
    for name, folder in zip(_names(policy_dirs), policy_dirs, strict=True):
        settings = backtest_settings(base, redis_url, tenant, folder)
        source = make_source()
        end = start + dt.timedelta(days=days)
        progress = Progress(name, start, end, sys.stderr, quiet)
        try:
            result = asyncio.run(
                run_backtest(
                    settings,
                    source,
                    start,
                    days,
                    decisions_out,
                    tick_minutes,
                    progress,
                    team_calls_per_day,
                )
            )
        finally:
            progress.close()
        truth = None
        if isinstance(source, World):
            if untreated is None:  # the same seed for every policy: one counterfactual
                untreated = _recovered(source.untreated(result.end))
            truth = (_recovered(source.truth()), untreated)
        runs.append(PolicyRun(name, result, truth))
    return runs


def _recovered(truth: WorldTruth) -> dict[str, int]:
    return {d.debtor_id: d.recovered_minor for d in truth.debtors}


def render(
    runs: Sequence[PolicyRun], fmt: str, on_log: bool, offpolicy: OffPolicy | None = None
) -> str:
    """Every policy's arm rows, and every policy after the first against the first:
    paired recoveries on a world, the contacts that change on a log (and, there, the
    off-policy estimates or the line saying why there are none)."""
    rows = [
        row
        for run in runs
        for outcome in run.result.outcomes.values()
        for row in headline(run.name, outcome, run.truth)
    ]
    first, others = runs[0], runs[1:]
    diffs = [] if on_log else [d for run in others for d in compare(first, run)]
    changes = [
        contact_diff(first.name, first.result.contacts, run.name, run.result.contacts)
        for run in (others if on_log else ())
    ]
    offpolicy = offpolicy if on_log and others else None
    return FORMATS[fmt](runs, rows, diffs, changes, offpolicy)


@click.command()
@click.option("--events", "events_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--simulate",
    "debtors",
    type=click.IntRange(1, 10_000_000),
    help="Simulate a portfolio of N debtors",
)
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True)
@click.option(
    "--policy",
    "policy_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Policy folder; repeat to compare policies on the same input (the first is the base)",
)
@click.option(
    "--tenant",
    callback=cli_params.tenant_ids,
    help="Tenant id, or several comma-separated [default: the log's tenants, or demo]",
)
@click.option(
    "--days",
    type=cli_params.FiniteRange(min=0, min_open=True, max=3660),
    default=30.0,
    show_default=True,
)
@click.option(
    "--start",
    callback=cli_params.instant,
    help=f"RFC 3339 instant [default: the log's first event, or {DEFAULT_START}]",
)
@click.option(
    "--tick-minutes",
    type=cli_params.FiniteRange(min=0, min_open=True, max=24 * 60),
    default=10.0,
    show_default=True,
)
@click.option("--decisions-out", type=click.Path(dir_okay=False), help="Write decisions (NDJSON)")
@click.option(
    "--decisions",
    "decisions_file",
    type=click.Path(exists=True, dir_okay=False),
    help="With --events: the lender's decision log with its propensities (NDJSON, as "
    "`recaudo evaluate` reads it); each policy after the first gets its off-policy estimate",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default="table",
    show_default=True,
)
@click.option(
    "--team-calls-per-day",
    type=click.IntRange(min=0),
    default=TEAM_CALLS_PER_DAY,
    show_default=True,
    help="With --simulate: calls a simulated collections team makes a day, closing the "
    "tasks for people (0: nobody works them); a log brings its own closes",
)
@click.option("--quiet", is_flag=True, help="No progress bar on stderr")
def backtest(
    events_file: str | None,
    debtors: int | None,
    seed: int,
    policy_dirs: tuple[str, ...],
    tenant: str | None,
    days: float,
    start: dt.datetime | None,
    tick_minutes: float,
    decisions_out: str | None,
    decisions_file: str | None,
    fmt: str,
    team_calls_per_day: int,
    quiet: bool,
) -> None:
    """Run the live decision path on event time over a dated log or a simulated portfolio,
    and print what each policy recovered against the holdout."""
    if (events_file is None) == (debtors is None):
        raise click.UsageError("give exactly one of --events FILE or --simulate N")
    if decisions_out and len(policy_dirs) > 1:
        raise click.UsageError("--decisions-out takes one --policy")
    if decisions_file and events_file is None:
        raise click.UsageError("--decisions goes with --events (a world compares recoveries)")
    if decisions_file and len(policy_dirs) < 2:
        raise click.UsageError("--decisions estimates each --policy after the first: give two")
    if debtors is not None and tenant is not None and "," in tenant:
        raise click.UsageError("--simulate takes one --tenant: a world is one lender's")
    log = LogLines.read(events_file) if events_file is not None else None
    first = min((e.occurred_at for e in log.events), default=None) if log is not None else None
    # A bare --start is UTC (cli_params.instant), as every instant of the log.
    began = start or first or _default_start()
    tenant = tenant or (",".join(EventLog(log.events).tenants()) if log is not None else "demo")
    tenants = [t.strip() for t in tenant.split(",") if t.strip()]
    if log is not None:
        why = log.nothing_to_read(tenants, began, days)
        if why is not None:
            raise click.UsageError(why)
        if log.unreadable:
            click.echo(f"recaudo backtest: {log.path}: skipped {log.skipped()}", err=True)
    logged = _read_decisions(decisions_file, events_file)
    dirs: list[str | None] = [*policy_dirs] or [None]
    base = load_settings()
    explicit = base.redis_url if "redis_url" in base.model_fields_set else None

    def make_source() -> EventSource:
        if log is not None:
            return EventLog(e for e in log.events if e.tenant_id in tenants)
        return World(debtors or 0, seed, tenant, began)

    redis = resolve_redis(explicit)
    try:
        with contextlib.ExitStack() as files:
            out = files.enter_context(Path(decisions_out).open("wb")) if decisions_out else None
            runs = run_policies(
                base,
                redis.url,
                tenant,
                dirs,
                make_source,
                began,
                days,
                tick_minutes,
                out,
                quiet,
                team_calls_per_day if log is None else 0,
            )
    finally:
        redis.stop()
    since = began.astimezone(dt.UTC)
    estimates = off_policy(
        logged,
        [(run.name, folder) for run, folder in zip(runs, dirs, strict=True)],
        tenants,
        since,
        since + dt.timedelta(days=days),
    )
    click.echo(render(runs, fmt, on_log=log is not None, offpolicy=estimates), nl=False)


def _read_decisions(decisions_file: str | None, events_file: str | None) -> DecisionLog | None:
    """Read before any policy runs: a bad record stops the backtest with its file and line."""
    if decisions_file is None or events_file is None:
        return None
    try:
        return DecisionLog.read(decisions_file, events_file)
    except EvaluationError as exc:
        raise click.BadParameter(str(exc), param_hint="--decisions") from exc


def _default_start() -> dt.datetime:
    return dt.datetime.fromisoformat(DEFAULT_START)
