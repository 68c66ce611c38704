"""``recaudo simulate``: write a synthetic portfolio, or a world's dated event log, as NDJSON."""

from __future__ import annotations

import datetime as dt
import sys
from typing import BinaryIO

import click
import orjson

from recaudo import cli_params
from recaudo.simulator.portfolio import generate_portfolio
from recaudo.simulator.world import World
from recaudo.simulator.world_config import WorldConfig


def write_ndjson(n: int, seed: int, tenant_id: str, now: dt.datetime, out: BinaryIO) -> int:
    count = 0
    for event in generate_portfolio(n, seed, tenant_id, now):
        out.write(orjson.dumps(event.model_dump(mode="json")) + b"\n")
        count += 1
    return count


def write_world_log(
    n: int, seed: int, tenant_id: str, start: dt.datetime, days: int, out: BinaryIO
) -> int:
    """The world's events over ``days`` with no contact at all, by ``(occurred_at, event_id)``."""
    world = World(n, seed, tenant_id, start, WorldConfig(days=days))
    count = 0
    for day in range(1, days + 1):  # a day at a time keeps memory flat
        for event in world.take_until(start + dt.timedelta(days=day)):
            out.write(orjson.dumps(event.model_dump(mode="json")) + b"\n")
            count += 1
    return count


@click.command("simulate")
@click.option("--debtors", "n", type=click.IntRange(1, 10_000_000), default=1000, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True)
@click.option(
    "--tenant", "tenant_id", default="acme", show_default=True, callback=cli_params.tenant_id
)
@click.option(
    "--now",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"]),
    default=None,
    help="Event time (default: now, UTC); fix it for byte-identical output.",
)
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@click.option(
    "--days", type=click.IntRange(1, 3660), default=30, show_default=True,
    help="Length of the world's event log (with --events-out).",
)  # fmt: skip
@click.option(
    "--events-out",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    help="Write the dated event log of the world with no contacts (daily account snapshots, "
    "self-cure payments) from --now over --days: the input of `recaudo backtest --events`.",
)
def simulate(
    n: int,
    seed: int,
    tenant_id: str,
    now: dt.datetime | None,
    out: str,
    days: int,
    events_out: str | None,
) -> None:
    """Write N seeded synthetic accounts (AccountEvent NDJSON) to --out (default stdout),
    or with --events-out the world's event log over --days."""
    at = cli_params.in_years(now or dt.datetime.now(dt.UTC), "--now")
    if events_out is not None:
        if events_out == "-":
            count = write_world_log(n, seed, tenant_id, at, days, sys.stdout.buffer)
        else:
            with open(events_out, "wb") as fh:
                count = write_world_log(n, seed, tenant_id, at, days, fh)
        click.echo(f"wrote {count} events over {days} days", err=True)
        return
    if out == "-":
        count = write_ndjson(n, seed, tenant_id, at, sys.stdout.buffer)
    else:
        with open(out, "wb") as fh:
            count = write_ndjson(n, seed, tenant_id, at, fh)
    click.echo(f"wrote {count} account events", err=True)
