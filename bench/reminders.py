"""Roll-rate reduction by courtesy reminders, through the LIVE decision path.

Each strategy runs through ``recaudo backtest`` (the worker's decide, dispatch
and schedule stages against real Redis and the sandbox providers) on the same
prevention world (``simulator.prevention``: current accounts falling due,
customers who pay anyway, who forget, who cannot pay; common random numbers,
so strategies compare paired by seed):

- ``none``: the built-in policy as it ships, reminders off;
- ``fixed``: reminders on, each step at its hour on its first allowed channel;
- ``learned``: reminders on, the channel/hour bandit chooses (the live path).

The roll rate is the world's truth: the share of debtors not paid by the end
of the due date (1+ days past due) and 30 days later (30+). The reduction of a
strategy is ``1 - its roll rate / none's``, paired by seed, with a 95% seed
bootstrap interval (ratio of means) and a t-interval of the difference. The
world's parameters were set before any strategy ran against it, and the seeds
reported are not the ones used while building (1-3).

    python -m bench.reminders --debtors 300 --seeds 301-310 --jobs 2
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import random
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import click
import orjson

from bench.decision_quality import BOOTSTRAP, ci, seed_range
from recaudo.backtest.cli import DEFAULT_START, backtest_settings
from recaudo.backtest.driver import Backtest
from recaudo.embedded import resolve_redis
from recaudo.foundation.config import Settings
from recaudo.simulator.prevention import PreventionWorld

TENANT = "bench"
STRATEGIES = ("none", "fixed", "learned")


@dataclass(frozen=True, slots=True)
class Run:
    strategy: str
    seed: int
    debtors: int
    rolled_1: int
    rolled_30: int
    contacts: int
    noticed: int
    opted_out: int
    forgetful_rolled: int
    wall_s: float


def policy_text(strategy: str) -> str:
    """The built-in policy with only its reminders switched: the rest is shared."""
    text = files("recaudo.rules").joinpath("default_policy.toml").read_text(encoding="utf-8")
    if strategy != "none":
        text = text.replace("enabled = false ", "enabled = true ", 1)
        timing = "fixed" if strategy == "fixed" else "learned"
        text = text.replace('timing = "learned"', f'timing = "{timing}"', 1)
    return text


def run_one(strategy: str, seed: int, debtors: int, redis: str) -> Run:
    start = dt.datetime.fromisoformat(DEFAULT_START)
    world = PreventionWorld(debtors, seed, TENANT, start)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, f"{TENANT}.toml").write_text(policy_text(strategy))
        settings = backtest_settings(Settings(), redis, TENANT, folder)
        days = world.config.days
        asyncio.run(Backtest(settings, world, start=start, days=days).run())
    truth = world.truth()
    return Run(
        strategy,
        seed,
        truth.debtors,
        truth.rolled_1,
        truth.rolled_30,
        truth.contacts,
        truth.noticed,
        truth.opted_out,
        truth.by_type["forgetful"][1],
        time.perf_counter() - began,
    )


def reduction(strategy: list[float], base: list[float]) -> tuple[float, float, float]:
    """1 - mean(strategy) / mean(base), with a percentile interval from resampling seeds."""
    rng = random.Random(0)
    n = len(base)
    point = 1 - statistics.fmean(strategy) / statistics.fmean(base)
    draws = []
    for _ in range(BOOTSTRAP):
        idx = [rng.randrange(n) for _ in range(n)]
        b = statistics.fmean(base[i] for i in idx)
        if b > 0:
            draws.append(1 - statistics.fmean(strategy[i] for i in idx) / b)
    draws.sort()
    return point, draws[int(0.025 * len(draws))], draws[int(0.975 * len(draws)) - 1]


@click.command()
@click.option("--debtors", type=int, default=300, show_default=True)
@click.option("--seeds", default="301-310", show_default=True, help="e.g. 301-310")
@click.option("--jobs", type=int, default=2, show_default=True)
@click.option("--raw", type=click.Path(dir_okay=False), help="Also write every run as JSON")
@click.option(
    "--from-raw", type=click.Path(exists=True, dir_okay=False), help="Report saved runs again"
)
def main(debtors: int, seeds: str, jobs: int, raw: str | None, from_raw: str | None) -> None:
    if from_raw:
        report([Run(**r) for r in orjson.loads(Path(from_raw).read_bytes())], 0.0)
        return
    store = resolve_redis(None)
    started = time.perf_counter()
    plan = [(s, seed) for seed in seed_range(seeds) for s in STRATEGIES]
    try:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run_one, s, seed, debtors, store.url) for s, seed in plan]
            runs = [f.result() for f in futures]
    finally:
        store.stop()
    if raw:
        Path(raw).write_bytes(orjson.dumps([dataclasses.asdict(r) for r in runs]))
    for r in runs:
        click.echo(
            f"  seed {r.seed:>4} {r.strategy:<8} rolled 1+ {r.rolled_1:>4}/{r.debtors} "
            f"30+ {r.rolled_30:>4} contacts {r.contacts:>5} noticed {r.noticed:>4} "
            f"opted out {r.opted_out:>3} ({r.wall_s:.0f} s)"
        )
    report(runs, time.perf_counter() - started)


def report(runs: list[Run], elapsed: float) -> None:
    by = {(r.strategy, r.seed): r for r in runs}
    seeds = sorted({r.seed for r in runs})
    n = by[("none", seeds[0])].debtors
    click.echo(f"\n{n} debtors, seeds {seeds[0]}-{seeds[-1]} ({len(seeds)}), {elapsed:.0f} s\n")
    header = f"{'strategy':<9} {'roll 1+':>16} {'roll 30+':>16} {'contacts':>14} {'opt-outs':>10}"
    click.echo(header)
    click.echo("-" * len(header))
    rates: dict[tuple[str, str], list[float]] = {}
    for name in STRATEGIES:
        mine = [by[(name, s)] for s in seeds]
        rates[(name, "1")] = [r.rolled_1 / r.debtors for r in mine]
        rates[(name, "30")] = [r.rolled_30 / r.debtors for r in mine]
        one, thirty = ci(rates[(name, "1")]), ci(rates[(name, "30")])
        contacts, opt = ci([r.contacts for r in mine]), ci([r.opted_out for r in mine])
        click.echo(
            f"{name:<9} {one[0]:>7.1%} ± {one[1]:<6.1%} {thirty[0]:>7.1%} ± {thirty[1]:<6.1%}"
            f" {contacts[0]:>6.0f} ± {contacts[1]:<5.0f} {opt[0]:>4.1f} ± {opt[1]:<3.1f}"
        )
    click.echo(
        "\nRoll-rate reduction against no reminders, paired by seed (95% intervals: the ratio"
        f" of means by a seed bootstrap of {BOOTSTRAP:,} resamples; the difference of rates"
        " by a t-interval):"
    )
    for name in ("fixed", "learned"):
        for depth in ("1", "30"):
            point, low, high = reduction(rates[(name, depth)], rates[("none", depth)])
            pairs = zip(rates[(name, depth)], rates[("none", depth)], strict=True)
            diff = ci([a - b for a, b in pairs])
            verdict = "shown" if low > 0 else "not shown at 95%"
            click.echo(
                f"  {name:<8} roll {depth:>2}+: reduction {point:.1%} [{low:.1%}, {high:.1%}]"
                f" ({verdict}); rate difference {diff[0]:+.2%} ± {diff[1]:.2%}"
            )
    for depth in ("1", "30"):
        pairs = zip(rates[("fixed", depth)], rates[("learned", depth)], strict=True)
        diff = ci([a - b for a, b in pairs])
        verdict = (
            "learned >= fixed met"
            if diff[0] - diff[1] >= 0
            else ("learned worse" if diff[0] + diff[1] < 0 else "not shown at 95%")
        )
        click.echo(
            f"  roll {depth:>2}+ fixed - learned: {diff[0]:+.2%} ± {diff[1]:.2%} ({verdict})"
        )
    mean_wall = statistics.fmean(r.wall_s for r in runs)
    click.echo(f"\nmean wall time of one backtest: {mean_wall:.0f} s")


if __name__ == "__main__":
    main()
