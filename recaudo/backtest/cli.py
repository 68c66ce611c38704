"""``recaudo backtest``: try a policy on event time before it goes live."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import click

from recaudo.backtest.compare import PolicyRun, compare
from recaudo.backtest.diff import contact_diff
from recaudo.backtest.driver import Backtest, BacktestResult
from recaudo.backtest.offpolicy import DecisionLog, OffPolicy, off_policy
from recaudo.backtest.outcome import Truth, headline
from recaudo.backtest.progress import Progress
from recaudo.backtest.render import FORMATS
from recaudo.backtest.sources import EventLog, EventSource
from recaudo.embedded import resolve_redis
from recaudo.foundation.config import Settings
from recaudo.foundation.errors import EvaluationError
from recaudo.simulator.world import World
from recaudo.simulator.world_config import WorldTruth

DEFAULT_START = "2026-03-02T05:00:00+00:00"


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
) -> BacktestResult:
    run = Backtest(
        settings,
        source,
        start=start,
        days=days,
        tick=dt.timedelta(minutes=tick_minutes),
        decisions_out=decisions_out,
        progress=progress,
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
                run_backtest(settings, source, start, days, decisions_out, tick_minutes, progress)
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
@click.option("--simulate", "debtors", type=int, help="Simulate a portfolio of N debtors")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--policy",
    "policy_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Policy folder; repeat to compare policies on the same input (the first is the base)",
)
@click.option("--tenant", help="Tenant id [default: the log's tenants, or demo]")
@click.option("--days", type=float, default=30.0, show_default=True)
@click.option(
    "--start", help=f"RFC 3339 instant [default: the log's first event, or {DEFAULT_START}]"
)
@click.option("--tick-minutes", type=float, default=10.0, show_default=True)
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
@click.option("--quiet", is_flag=True, help="No progress bar on stderr")
def backtest(
    events_file: str | None,
    debtors: int | None,
    seed: int,
    policy_dirs: tuple[str, ...],
    tenant: str | None,
    days: float,
    start: str | None,
    tick_minutes: float,
    decisions_out: str | None,
    decisions_file: str | None,
    fmt: str,
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
    log = EventLog.read(events_file) if events_file is not None else None
    first = log.next_time() if log is not None else None
    if log is not None and first is None:
        raise click.BadParameter("the log holds no events", param_hint="--events")
    began = dt.datetime.fromisoformat(start) if start else first or _default_start()
    tenant = tenant or (",".join(log.tenants()) if log is not None else "demo")
    logged = _read_decisions(decisions_file, events_file)
    dirs: list[str | None] = [*policy_dirs] or [None]
    base = Settings()
    explicit = base.redis_url if "redis_url" in base.model_fields_set else None

    def make_source() -> EventSource:
        if events_file is not None:
            return EventLog.read(events_file)
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
            )
    finally:
        redis.stop()
    if log is not None and not any(r.result.inputs for r in runs):
        raise click.UsageError(
            f"no event of the log falls in --start {began.isoformat()} + --days {days:g} "
            f"for --tenant {tenant}: the log starts at {first.isoformat() if first else '-'}"
        )
    since = began.astimezone(dt.UTC)
    estimates = off_policy(
        logged,
        [(run.name, folder) for run, folder in zip(runs, dirs, strict=True)],
        [t.strip() for t in tenant.split(",") if t.strip()],
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
