"""``recaudo backtest``: try a policy on event time before it goes live."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from pathlib import Path
from typing import BinaryIO

import click
import orjson

from recaudo.backtest.driver import Backtest, BacktestResult
from recaudo.backtest.sources import EventLog, EventSource
from recaudo.embedded import resolve_redis
from recaudo.foundation.config import Settings

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
) -> BacktestResult:
    run = Backtest(
        settings,
        source,
        start=start,
        days=days,
        tick=dt.timedelta(minutes=tick_minutes),
        decisions_out=decisions_out,
    )
    return await run.run()


@click.command()
@click.option("--events", "events_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--simulate", "debtors", type=int, help="Simulate a portfolio of N debtors")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--policy", "policy_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--tenant", default="demo", show_default=True)
@click.option("--days", type=float, default=30.0, show_default=True)
@click.option("--start", default=DEFAULT_START, show_default=True, help="RFC 3339 instant")
@click.option("--tick-minutes", type=float, default=10.0, show_default=True)
@click.option("--decisions-out", type=click.Path(dir_okay=False), help="Write decisions (NDJSON)")
def backtest(
    events_file: str | None,
    debtors: int | None,
    seed: int,
    policy_dir: str | None,
    tenant: str,
    days: float,
    start: str,
    tick_minutes: float,
    decisions_out: str | None,
) -> None:
    """Run the live decision path on event time over a dated log or a simulated portfolio."""
    if (events_file is None) == (debtors is None):
        raise click.UsageError("give exactly one of --events FILE or --simulate N")
    began = dt.datetime.fromisoformat(start)
    base = Settings()
    explicit = base.redis_url if "redis_url" in base.model_fields_set else None
    redis = resolve_redis(explicit)
    settings = backtest_settings(base, redis.url, tenant, policy_dir)
    source: EventSource
    if events_file is not None:
        source = EventLog.read(events_file)
    else:
        from recaudo.simulator.world import World

        source = World(debtors or 0, seed, tenant, began)
    try:
        with contextlib.ExitStack() as files:
            out = files.enter_context(Path(decisions_out).open("wb")) if decisions_out else None
            result = asyncio.run(run_backtest(settings, source, began, days, out, tick_minutes))
    finally:
        redis.stop()
    click.echo(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2).decode())
