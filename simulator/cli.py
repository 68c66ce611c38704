"""``recaudo simulate``: write a synthetic portfolio as NDJSON account events."""

from __future__ import annotations

import datetime as dt
import sys
from typing import BinaryIO

import click
import orjson

from recaudo.simulator.portfolio import generate_portfolio


def write_ndjson(n: int, seed: int, tenant_id: str, now: dt.datetime, out: BinaryIO) -> int:
    count = 0
    for event in generate_portfolio(n, seed, tenant_id, now):
        out.write(orjson.dumps(event.model_dump(mode="json")) + b"\n")
        count += 1
    return count


@click.command("simulate")
@click.option("--debtors", "n", type=click.IntRange(1, 10_000_000), default=1000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--tenant", "tenant_id", default="acme", show_default=True)
@click.option(
    "--now",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"]),
    default=None,
    help="Event time (default: now, UTC); fix it for byte-identical output.",
)
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True), default="-")
def simulate(n: int, seed: int, tenant_id: str, now: dt.datetime | None, out: str) -> None:
    """Write N seeded synthetic accounts (AccountEvent NDJSON) to --out (default stdout)."""
    at = now or dt.datetime.now(dt.UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    if out == "-":
        count = write_ndjson(n, seed, tenant_id, at, sys.stdout.buffer)
    else:
        with open(out, "wb") as fh:
            count = write_ndjson(n, seed, tenant_id, at, fh)
    click.echo(f"wrote {count} account events", err=True)
