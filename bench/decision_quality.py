"""Decision quality of the LIVE decision path, measured as incremental recovery.

Every strategy runs through ``recaudo backtest`` — the worker's own decide,
dispatch and schedule stages against real Redis and the sandbox providers —
on the same simulated world (``simulator.world``, common random numbers: the
same seed gives every strategy the same debtors, self-cures and paydays):

- ``live``: the built-in policy as it ships (adaptive targeting) with a daily
  capacity;
- ``cadence``: (a) the same policy on its static cadence (every step, first
  allowed channel, no capacity);
- ``amount``: (b) no learning, largest amount due first, the same capacity
  and the same ranked bar as ``live`` (``models.capacity``);
- ``none``: (c) no contact at all (the world alone).

Incremental recovery of a strategy is what its world recovered minus what the
no-contact world recovered, paired by seed; per contact, divided by the
contacts it made. A strategy gets no credit for debtors who would have paid
anyway. Reported on seeds not used while developing the strategy (the tuning
seeds were 1-3), with 95% t-intervals over seeds.

    python -m bench.decision_quality --debtors 600 --seeds 101-110 --jobs 2
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import math
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

from recaudo.backtest.cli import DEFAULT_START, backtest_settings
from recaudo.backtest.driver import Backtest
from recaudo.embedded import resolve_redis
from recaudo.foundation.config import Settings
from recaudo.simulator.world import World
from recaudo.simulator.world_config import WorldConfig, WorldTruth, variants

TENANT = "bench"
STRATEGIES = ("live", "cadence", "amount")
# Two-sided 95% Student t quantiles by degrees of freedom.
_T95 = {1: 12.71, 2: 4.30, 3: 3.18, 4: 2.78, 5: 2.57, 6: 2.45, 7: 2.36, 8: 2.31, 9: 2.26}


@dataclass(frozen=True, slots=True)
class Run:
    strategy: str
    seed: int
    contacts: int
    recovered: int
    opted_out: int
    complained: int
    wall_s: float


def ci(values: list[float]) -> tuple[float, float]:
    """Mean and half-width of its 95% confidence interval (t over seeds)."""
    values = [v for v in values if math.isfinite(v)]
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, float("nan")
    t = _T95.get(len(values) - 1, 1.96)
    return mean, t * statistics.stdev(values) / math.sqrt(len(values))


def policy_text(strategy: str, capacity: int) -> str:
    """The built-in policy with only its targeting changed: the strategies share the rest."""
    text = files("recaudo.rules").joinpath("default_policy.toml").read_text(encoding="utf-8")
    mode = {"live": "adaptive", "cadence": "cadence", "amount": "amount"}[strategy]
    text = text.replace('mode = "adaptive"', f'mode = "{mode}"', 1)
    if strategy != "cadence":
        text = text.replace("daily_capacity = 0 ", f"daily_capacity = {capacity} ", 1)
    if strategy == "amount":
        text = text.replace("explore = 0.1 ", "explore = 0.0 ", 1)
    return text


def recovered(truth: WorldTruth) -> int:
    """Minor units summed over currencies: the world draws every currency's amounts alike."""
    return sum(truth.recovered_by_currency.values())


def run_one(
    strategy: str, seed: int, debtors: int, days: int, capacity: int, redis: str, vary: bool
) -> Run:
    start = dt.datetime.fromisoformat(DEFAULT_START)
    # --vary-world: each seed's world is redrawn around the defaults (simulator.variants):
    # behaviour the strategy was never developed on.
    config = variants(WorldConfig(), 1, seed)[0] if vary else None
    world = World(debtors, seed, TENANT, start, config)
    began = time.perf_counter()
    if strategy == "none":
        truth = world.untreated(start + dt.timedelta(days=days))
    else:
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, f"{TENANT}.toml").write_text(policy_text(strategy, capacity))
            settings = backtest_settings(Settings(), redis, TENANT, folder)
            asyncio.run(Backtest(settings, world, start=start, days=days).run())
        truth = world.truth()
    return Run(
        strategy,
        seed,
        truth.contacts,
        recovered(truth),
        truth.opted_out,
        truth.complained,
        time.perf_counter() - began,
    )


BOOTSTRAP = 10_000


def per_contact(run: Run, by: dict[tuple[str, int], Run]) -> float:
    """Incremental recovered (against the same seed's no-contact world) per contact."""
    return (run.recovered - by[("none", run.seed)].recovered) / max(run.contacts, 1)


def opt_rate(run: Run) -> float:
    return 1000 * run.opted_out / max(run.contacts, 1)


def ratio_of_means(a: list[float], b: list[float]) -> tuple[float, float, float]:
    """mean(a) / mean(b) with a percentile interval from resampling seeds (pairs kept).

    A ratio per seed breaks down when a baseline's incremental recovery is near
    zero or negative on some seed; the ratio of the means does not.
    """
    rng = random.Random(0)
    n = len(a)
    point = statistics.fmean(a) / statistics.fmean(b)
    draws = []
    for _ in range(BOOTSTRAP):
        idx = [rng.randrange(n) for _ in range(n)]
        denominator = statistics.fmean(b[i] for i in idx)
        if denominator > 0:
            draws.append(statistics.fmean(a[i] for i in idx) / denominator)
    draws.sort()
    if len(draws) < BOOTSTRAP * 0.95:
        return point, -math.inf, math.inf  # the baseline's mean is not even surely positive
    return point, draws[int(0.025 * len(draws))], draws[int(0.975 * len(draws)) - 1]


def seed_range(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


@click.command()
@click.option("--debtors", type=int, default=600, show_default=True)
@click.option("--days", type=int, default=30, show_default=True)
@click.option("--seeds", default="101-110", show_default=True, help="e.g. 101-110")
@click.option(
    "--capacity-share",
    type=float,
    default=0.02,
    show_default=True,
    help="Daily contact capacity of live and amount, as a share of the portfolio",
)
@click.option("--jobs", type=int, default=2, show_default=True)
@click.option("--raw", type=click.Path(dir_okay=False), help="Also write every run as JSON")
@click.option(
    "--from-raw", type=click.Path(exists=True, dir_okay=False), help="Report saved runs again"
)
@click.option("--vary-world", is_flag=True, help="A different world variant for every seed")
def main(
    debtors: int,
    days: int,
    seeds: str,
    capacity_share: float,
    jobs: int,
    raw: str | None,
    from_raw: str | None,
    vary_world: bool,
) -> None:
    capacity = max(1, round(debtors * capacity_share))
    if from_raw:
        saved = [Run(**r) for r in orjson.loads(Path(from_raw).read_bytes())]
        report(saved, debtors, days, capacity, 0.0)
        return
    store = resolve_redis(None)
    started = time.perf_counter()
    plan = [(s, seed) for seed in seed_range(seeds) for s in ("none", *STRATEGIES)]
    try:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [
                pool.submit(run_one, s, seed, debtors, days, capacity, store.url, vary_world)
                for s, seed in plan
            ]
            runs = [f.result() for f in futures]
    finally:
        store.stop()
    if raw:
        Path(raw).write_bytes(orjson.dumps([dataclasses.asdict(r) for r in runs]))
    for r in runs:
        click.echo(
            f"  seed {r.seed:>4} {r.strategy:<8} contacts {r.contacts:>6} recovered "
            f"{r.recovered:>14,} opted out {r.opted_out:>4} ({r.wall_s:.0f} s)"
        )
    report(runs, debtors, days, capacity, time.perf_counter() - started)


def report(runs: list[Run], debtors: int, days: int, capacity: int, elapsed: float) -> None:
    by = {(r.strategy, r.seed): r for r in runs}
    seeds = sorted({r.seed for r in runs})
    click.echo(
        f"{debtors} debtors, {days} days, seeds {seeds[0]}-{seeds[-1]} ({len(seeds)}), "
        f"capacity {capacity}/day for live and amount, {elapsed:.0f} s\n"
    )
    header = (
        f"{'strategy':<9} {'contacts':>14} {'incremental recovered':>26} "
        f"{'incr./contact':>18} {'opt-outs/1k contacts':>22}"
    )
    click.echo(header)
    click.echo("-" * len(header))

    def incremental(r: Run) -> float:
        return r.recovered - by[("none", r.seed)].recovered

    for name in STRATEGIES:
        mine = [by[(name, s)] for s in seeds]
        contacts = ci([r.contacts for r in mine])
        incr = ci([incremental(r) for r in mine])
        per = ci([incremental(r) / max(r.contacts, 1) for r in mine])
        opt = ci([1000 * r.opted_out / max(r.contacts, 1) for r in mine])
        click.echo(
            f"{name:<9} {contacts[0]:>7.0f} ± {contacts[1]:<5.0f}"
            f" {incr[0]:>15,.0f} ± {incr[1]:<9,.0f}"
            f" {per[0]:>9,.0f} ± {per[1]:<6,.0f} {opt[0]:>12.1f} ± {opt[1]:<6.1f}"
        )
    none = ci([float(by[("none", s)].recovered) for s in seeds])
    click.echo(f"{'none':<9} {0:>7} {'(recovered ' + f'{none[0]:,.0f}' + ')':>26}")
    click.echo(
        "\nLive against each baseline, paired by seed (95% intervals: the ratio of means by a"
        f" seed bootstrap of {BOOTSTRAP:,} resamples, the difference by a t-interval):"
    )
    for base, goal in (("cadence", 1.3), ("amount", 1.1)):
        live_per = [per_contact(by[("live", s)], by) for s in seeds]
        base_per = [per_contact(by[(base, s)], by) for s in seeds]
        ratio, low, high = ratio_of_means(live_per, base_per)
        diff = ci([a - b for a, b in zip(live_per, base_per, strict=True)])
        verdict = "met" if low >= goal else ("not met" if high < goal else "not shown at 95%")
        click.echo(
            f"  incremental recovered per contact, live / {base}: {ratio:.2f}x"
            f" [{low:.2f}, {high:.2f}] (goal >= {goal}x: {verdict});"
            f" live - {base}: {diff[0]:+,.0f} ± {diff[1]:,.0f}"
        )
    diffs = [opt_rate(by[("live", s)]) - opt_rate(by[("cadence", s)]) for s in seeds]
    mean, half = ci(diffs)
    verdict = "met" if mean + half <= 0 else ("not shown at 95%" if mean - half <= 0 else "NOT met")
    click.echo(
        f"  opt-outs per 1,000 contacts, live - cadence: {mean:+.1f} ± {half:.1f} "
        f"(goal <= 0: {verdict})"
    )
    for name in STRATEGIES:
        per_debtor = ci([1000 * by[(name, s)].opted_out / debtors for s in seeds])
        click.echo(
            f"  opt-outs per 1,000 debtors, {name}: {per_debtor[0]:.1f} ± {per_debtor[1]:.1f}"
        )
    mean_wall = statistics.fmean(r.wall_s for r in runs if r.strategy != "none")
    click.echo(f"\nmean wall time of one backtest: {mean_wall:.0f} s")


if __name__ == "__main__":
    main()
