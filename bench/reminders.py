"""Roll-rate reduction by courtesy reminders, through the LIVE decision path.

Each strategy runs through ``recaudo backtest`` (the worker's decide, dispatch
and schedule stages against real Redis and the sandbox providers) on the same
prevention world (``simulator.prevention``: current accounts falling due,
customers who pay anyway, who forget, who cannot pay; common random numbers,
so strategies compare paired by seed):

- ``none``: the built-in policy as it ships, reminders off;
- ``fixed``: reminders on, each step at its hour on its first allowed channel;
- ``learned``: reminders on, the channel/hour bandit chooses (the live path);
- ``risk``: ``learned`` plus ``ranking = "risk"``: a step is skipped when the
  roll-risk model (``models.roll_risk``) puts the customer below ``MIN_RISK``.
  The model starts from what the same live path learned online on a training
  world of another seed (``seed + TRAIN_OFFSET``, run first with this policy,
  its checkpoint carried over), as a portfolio in steady state would: within
  one 40-day run the labels come after most reminders were decided.

The roll rate is the world's truth: the share of debtors not paid by the end
of the due date (1+ days past due) and 30 days later (30+). The reduction of a
strategy is ``1 - its roll rate / none's``, paired by seed, with a 95% seed
bootstrap interval (ratio of means) and a t-interval of the difference. The
world's parameters were set before any strategy ran against it, and the seeds
reported are not the ones used while building (1-3).

    python -m bench.reminders --debtors 300 --seeds 301-310 --jobs 2
    python -m bench.reminders --strategies learned,risk --with-raw earlier.json ...

``--strategies`` runs some arms only; ``--with-raw`` adds saved runs of the
others (same debtors and seeds: the world is deterministic given the seed and
the contacts, so an arm's runs do not change unless its code does).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import random
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import click
import orjson
import redis.asyncio as aioredis

from bench.decision_quality import BOOTSTRAP, ci, seed_range
from recaudo.backtest.cli import DEFAULT_START, backtest_settings
from recaudo.backtest.driver import Backtest
from recaudo.embedded import resolve_redis
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.simulator.prevention import PreventionWorld

TENANT = "bench"
STRATEGIES = ("none", "fixed", "learned", "risk")
#: The risk arm's threshold, set from the world's description before any risk run:
#: about a quarter of due dates roll, so remind where the risk is above that.
MIN_RISK = 0.3
#: The risk arm's model is first trained on the world of seed + this.
TRAIN_OFFSET = 1000
ROLL_RISK_KEY = "model:roll_risk"


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
    if strategy == "risk":
        text = text.replace('ranking = "all"', 'ranking = "risk"', 1)
        text = text.replace("min_risk = 0.0 ", f"min_risk = {MIN_RISK} ", 1)
    return text


async def _carry_model(redis: str, source: Settings, target: Settings) -> None:
    """Move the trained roll-risk checkpoint to the next run's prefix; drop the rest."""
    client = aioredis.Redis.from_url(redis)
    try:
        body = await client.get(Keys(source.redis_prefix).tenant(TENANT, ROLL_RISK_KEY))
        if body is not None:
            await client.set(Keys(target.redis_prefix).tenant(TENANT, ROLL_RISK_KEY), body)
        async for key in client.scan_iter(match=f"{source.redis_prefix}:*", count=1000):
            await client.delete(key)
    finally:
        await client.aclose()


def run_one(strategy: str, seed: int, debtors: int, redis: str) -> Run:
    start = dt.datetime.fromisoformat(DEFAULT_START)
    world = PreventionWorld(debtors, seed, TENANT, start)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, f"{TENANT}.toml").write_text(policy_text(strategy))
        settings = backtest_settings(Settings(), redis, TENANT, folder)
        days = world.config.days
        if strategy == "risk":
            training = PreventionWorld(debtors, seed + TRAIN_OFFSET, TENANT, start)
            warmup = backtest_settings(Settings(), redis, TENANT, folder)
            run = Backtest(warmup, training, start=start, days=days, keep_state=True)
            asyncio.run(run.run())
            asyncio.run(_carry_model(redis, warmup, settings))
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
@click.option("--strategies", default=",".join(STRATEGIES), show_default=True, help="Arms to run")
@click.option("--raw", type=click.Path(dir_okay=False), help="Also write every run as JSON")
@click.option(
    "--from-raw", type=click.Path(exists=True, dir_okay=False), help="Report saved runs again"
)
@click.option(
    "--with-raw",
    type=click.Path(exists=True, dir_okay=False),
    help="Saved runs of the arms not run now (same debtors and seeds)",
)
def main(
    debtors: int,
    seeds: str,
    jobs: int,
    strategies: str,
    raw: str | None,
    from_raw: str | None,
    with_raw: str | None,
) -> None:
    if from_raw:
        report([Run(**r) for r in orjson.loads(Path(from_raw).read_bytes())], 0.0)
        return
    arms = [a for a in strategies.split(",") if a]
    unknown = set(arms) - set(STRATEGIES)
    if unknown:
        raise click.BadParameter(f"unknown strategies {sorted(unknown)}")
    store = resolve_redis(None)
    started = time.perf_counter()
    wanted = seed_range(seeds)
    plan = [(s, seed) for seed in wanted for s in arms]
    try:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run_one, s, seed, debtors, store.url) for s, seed in plan]
            runs = []
            for done in as_completed(futures):
                runs.append(done.result())
                if raw:  # after every run: a bench cut short keeps what it measured
                    Path(raw).write_bytes(orjson.dumps([dataclasses.asdict(r) for r in runs]))
    finally:
        store.stop()
    for r in runs:
        click.echo(
            f"  seed {r.seed:>4} {r.strategy:<8} rolled 1+ {r.rolled_1:>4}/{r.debtors} "
            f"30+ {r.rolled_30:>4} contacts {r.contacts:>5} noticed {r.noticed:>4} "
            f"opted out {r.opted_out:>3} ({r.wall_s:.0f} s)"
        )
    if with_raw:
        saved = [Run(**r) for r in orjson.loads(Path(with_raw).read_bytes())]
        runs += [
            r for r in saved if r.strategy not in arms and r.seed in wanted and r.debtors == debtors
        ]
    report(runs, time.perf_counter() - started)


def report(runs: list[Run], elapsed: float) -> None:
    by = {(r.strategy, r.seed): r for r in runs}
    seeds = sorted({r.seed for r in runs})
    names = [s for s in STRATEGIES if all((s, seed) in by for seed in seeds)]
    n = runs[0].debtors
    click.echo(f"\n{n} debtors, seeds {seeds[0]}-{seeds[-1]} ({len(seeds)}), {elapsed:.0f} s\n")
    header = f"{'strategy':<9} {'roll 1+':>16} {'roll 30+':>16} {'contacts':>14} {'opt-outs':>10}"
    click.echo(header)
    click.echo("-" * len(header))
    rates: dict[tuple[str, str], list[float]] = {}
    for name in names:
        mine = [by[(name, s)] for s in seeds]
        rates[(name, "1")] = [r.rolled_1 / r.debtors for r in mine]
        rates[(name, "30")] = [r.rolled_30 / r.debtors for r in mine]
        one, thirty = ci(rates[(name, "1")]), ci(rates[(name, "30")])
        contacts, opt = ci([r.contacts for r in mine]), ci([r.opted_out for r in mine])
        click.echo(
            f"{name:<9} {one[0]:>7.1%} ± {one[1]:<6.1%} {thirty[0]:>7.1%} ± {thirty[1]:<6.1%}"
            f" {contacts[0]:>6.0f} ± {contacts[1]:<5.0f} {opt[0]:>4.1f} ± {opt[1]:<3.1f}"
        )
    if "none" in names:
        click.echo(
            "\nRoll-rate reduction against no reminders, paired by seed (95% intervals: the"
            f" ratio of means by a seed bootstrap of {BOOTSTRAP:,} resamples; the difference"
            " of rates by a t-interval):"
        )
    for name in (s for s in ("fixed", "learned", "risk") if s in names and "none" in names):
        for depth in ("1", "30"):
            point, low, high = reduction(rates[(name, depth)], rates[("none", depth)])
            pairs = zip(rates[(name, depth)], rates[("none", depth)], strict=True)
            diff = ci([a - b for a, b in pairs])
            verdict = "shown" if low > 0 else "not shown at 95%"
            click.echo(
                f"  {name:<8} roll {depth:>2}+: reduction {point:.1%} [{low:.1%}, {high:.1%}]"
                f" ({verdict}); rate difference {diff[0]:+.2%} ± {diff[1]:.2%}"
            )
    if {"fixed", "learned"} <= set(names):
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
    if {"learned", "risk"} <= set(names):
        report_risk(by, seeds)
    mean_wall = statistics.fmean(r.wall_s for r in runs)
    click.echo(f"\nmean wall time of one backtest: {mean_wall:.0f} s")


def report_risk(by: dict[tuple[str, int], Run], seeds: list[int]) -> None:
    """What ranking by roll risk saves against reminding everyone (learned timing both)."""
    saved = [by[("learned", s)].contacts - by[("risk", s)].contacts for s in seeds]
    worse = [
        100 * (by[("risk", s)].rolled_1 - by[("learned", s)].rolled_1) / by[("risk", s)].debtors
        for s in seeds
    ]
    contacts, points = ci([float(x) for x in saved]), ci(worse)
    learned = statistics.fmean(by[("learned", s)].contacts for s in seeds)
    click.echo(
        f"\nRisk ranking (min_risk {MIN_RISK}) against reminding everyone, paired by seed:"
        f"\n  contacts saved per run {contacts[0]:.0f} ± {contacts[1]:.0f}"
        f" ({contacts[0] / learned:.0%} of learned's)"
        f"\n  roll 1+ change {points[0]:+.2f} ± {points[1]:.2f} points"
    )
    if points[0] > 0:
        click.echo(f"  reminders saved per point of roll 1+: {contacts[0] / points[0]:.0f}")
    else:
        click.echo("  reminders saved at no roll-rate cost on the point estimate")


if __name__ == "__main__":
    main()
