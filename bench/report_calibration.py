"""Do the outcome report's 95 % intervals contain the truth? Coverage over simulated worlds.

Each world (``simulator.world``, a new seed per world, never a tuning seed) runs
through the live decision path (``recaudo backtest``'s driver, the shipped
policy with its default holdout), and ``recaudo report``'s own arithmetic
(``streams.reports.compute_report``) is applied to the committed per-debtor
summaries. The simulator knows each debtor's recovery with and without
contact, so the true effect on the treated debtors of every report cell
(currency x arm) is known: the sum of ``recovered - recovered untreated``.
The benchmark counts the cells whose interval contains it, per estimate:
incremental recovered per debtor, per contact and net of contact costs, both
the fixed-sample interval and the always-valid one that verdicts use.

    python -m bench.report_calibration --worlds 60 --debtors 1000 --jobs 2 --raw runs.json
    python -m bench.report_calibration --from-raw runs.json  # analyse again, no simulation
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import math
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import click
import orjson

from bench.decision_quality import TUNING_SEEDS, seed_range
from recaudo.backtest.cli import DEFAULT_START, backtest_settings
from recaudo.backtest.driver import Backtest
from recaudo.contracts.state import OutcomeSummary
from recaudo.embedded import resolve_redis
from recaudo.foundation.config import Settings
from recaudo.simulator.world import World
from recaudo.simulator.world_config import WorldConfig, variants
from recaudo.streams.reports import compute_report
from recaudo.streams.reports.model import Difference
from recaudo.streams.reports.stats import wilson

TENANT = "bench"


@dataclass(frozen=True, slots=True)
class DebtorRow:
    """One enrolled debtor: what the service committed and what the world knows."""

    seed: int
    debtor_id: str
    summary: dict[str, object]  # the committed OutcomeSummary, as JSON
    recovered: int  # the world's truth with the contacts made
    recovered_untreated: int  # the same debtor in the same world with no contact


def run_world(seed: int, debtors: int, days: int, redis: str, vary: bool) -> list[DebtorRow]:
    start = dt.datetime.fromisoformat(DEFAULT_START)
    config = variants(WorldConfig(), 1, seed)[0] if vary else None
    world = World(debtors, seed, TENANT, start, config)
    settings = backtest_settings(Settings(), redis, TENANT, None)
    result = asyncio.run(Backtest(settings, world, start=start, days=days).run())
    treated = {d.debtor_id: d.recovered_minor for d in world.truth().debtors}
    untreated = {d.debtor_id: d.recovered_minor for d in world.untreated(result.end).debtors}
    return [
        DebtorRow(seed, debtor, s.model_dump(), treated[debtor], untreated[debtor])
        for debtor, s in result.outcomes[TENANT].summaries
    ]


@dataclass
class Tally:
    cells: int = 0
    covered: int = 0
    intervals: int = 0
    widths: list[float] = dataclasses.field(default_factory=list)

    def add(self, d: Difference, truth: float) -> None:
        self.cells += 1
        if d.low is None or d.high is None:
            return
        self.intervals += 1
        self.covered += d.low <= truth <= d.high
        self.widths.append(d.high - d.low)


def analyse(rows: list[DebtorRow]) -> dict[str, Tally]:
    by_seed: dict[int, list[DebtorRow]] = defaultdict(list)
    for row in rows:
        by_seed[row.seed].append(row)
    tallies: dict[str, Tally] = defaultdict(Tally)
    for seed_rows in by_seed.values():
        summaries = [(r.debtor_id, OutcomeSummary.model_validate(r.summary)) for r in seed_rows]
        effect: dict[tuple[str, str], float] = defaultdict(float)
        for r, (_, s) in zip(seed_rows, summaries, strict=True):
            effect[(s.cur, s.arm)] += r.recovered - r.recovered_untreated
        report = compute_report(TENANT, summaries, by=())
        for g in report.groups:
            vs = g.vs_holdout
            if vs is None:
                continue
            truth = sum(
                v for (cur, arm), v in effect.items() if cur == g.currency and arm != "holdout"
            )
            net_truth = truth - g.cost
            tallies["per debtor"].add(vs.incremental_recovered_per_debtor, truth / g.debtors)
            if g.contacts:
                tallies["per contact"].add(vs.incremental_recovered_per_contact, truth / g.contacts)
            if vs.net_incremental_recovered_per_debtor.estimate is not None:
                tallies["net per debtor"].add(
                    vs.net_incremental_recovered_per_debtor, net_truth / g.debtors
                )
            if vs.always_valid_per_debtor.estimate is not None:
                tallies["per debtor, always valid"].add(
                    vs.always_valid_per_debtor, truth / g.debtors
                )
    return tallies


def print_tallies(tallies: dict[str, Tally], worlds: int) -> None:
    click.echo(f"{worlds} worlds; a cell is one currency's treated debtors against its holdout")
    click.echo(f"{'estimate':<26} {'cells':>6} {'intervals':>10} {'covered':>9} {'coverage':>9}")
    for name, t in tallies.items():
        share = t.covered / t.intervals if t.intervals else math.nan
        low, high = wilson(t.covered, t.intervals)
        click.echo(
            f"{name:<26} {t.cells:>6} {t.intervals:>10} {t.covered:>9} {100 * share:>8.1f}%"
            f"  [{100 * low:.1f}, {100 * high:.1f}]"
        )


@click.command()
@click.option("--worlds", type=int, default=60, show_default=True)
@click.option("--first-seed", type=int, default=301, show_default=True)
@click.option("--debtors", type=int, default=1000, show_default=True)
@click.option("--days", type=int, default=30, show_default=True)
@click.option("--jobs", type=int, default=2, show_default=True)
@click.option("--vary-world", is_flag=True, help="A different world variant for every seed")
@click.option("--raw", type=click.Path(dir_okay=False), help="Also write every debtor as JSON")
@click.option("--from-raw", type=click.Path(exists=True, dir_okay=False), multiple=True)
def main(
    worlds: int,
    first_seed: int,
    debtors: int,
    days: int,
    jobs: int,
    vary_world: bool,
    raw: str | None,
    from_raw: tuple[str, ...],
) -> None:
    if from_raw:
        rows = [DebtorRow(**r) for path in from_raw for r in orjson.loads(Path(path).read_bytes())]
        print_tallies(analyse(rows), len({r.seed for r in rows}))
        return
    seeds = seed_range(f"{first_seed}-{first_seed + worlds - 1}")
    if TUNING_SEEDS & set(seeds):
        raise click.BadParameter("the tuning seeds are never reported", param_hint="--first-seed")
    store = resolve_redis(None)
    began = time.perf_counter()
    try:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [
                pool.submit(run_world, seed, debtors, days, store.url, vary_world) for seed in seeds
            ]
            rows = [row for f in futures for row in f.result()]
    finally:
        store.stop()
    if raw:
        Path(raw).write_bytes(orjson.dumps([dataclasses.asdict(r) for r in rows]))
    click.echo(
        f"{debtors} debtors, {days} days, seeds {seeds[0]}-{seeds[-1]}, "
        f"{time.perf_counter() - began:.0f} s"
    )
    print_tallies(analyse(rows), len(seeds))


if __name__ == "__main__":
    main()
