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
- ``none``: (c) no contact at all (the world alone);
- ``live=`` and ``amount=``: live and amount at an equal contact budget, a
  daily capacity of the cadence's own contacts per day on the same seed;
- ``live-uplift``, ``live-bandit``, ``live-payday`` (``--ablations``, policies in
  ``bench.quality_policies``): live with
  one learned part switched off (``[targeting] ablate``), at live's capacity;
  for a part the shipped policy already switches off, ``live+<part>`` switches
  it back on instead. Either way the bench reports with the part minus
  without it.
  The cadence cannot be given live's capacity instead: ``mode = "cadence"``
  contacts before the capacity is asked (``models.strategy``), and no policy
  knob caps a tenant's contacts per day (every cap is per debtor).

Incremental recovery of a strategy is what its world recovered minus what the
no-contact world recovered, paired by seed; per contact, divided by the
contacts it made. Net incremental recovery also subtracts what the contacts
cost (the policy's ``[targeting.channel_costs]`` times the contacts per
channel) and a cost per opt-out and per complaint (``--opt-out-cost``,
``--complaint-cost``). A strategy gets no credit for debtors who would have
paid anyway. Reported only on seeds not used while developing the strategy
(the tuning seeds 1-3 are refused), with 95% t-intervals over seeds.

    python -m bench.decision_quality --debtors 600 --seeds 101-110 --jobs 2
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import math
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import click
import orjson

from bench.decision_stats import BOOTSTRAP, ci, ratio_of_means, verdict
from bench.quality_policies import ablated_in, ablations, channel_costs, policy_text, toggled
from recaudo.backtest.cli import DEFAULT_START, TEAM_CALLS_PER_DAY, backtest_settings
from recaudo.backtest.driver import Backtest
from recaudo.embedded import resolve_redis
from recaudo.foundation.config import Settings
from recaudo.simulator.world import World
from recaudo.simulator.world_config import WorldConfig, WorldTruth, variants

TENANT = "bench"
STRATEGIES = ("live", "cadence", "amount")
#: Live and amount at the cadence's daily contact volume (the equal budget).
EQUAL = ("live=", "amount=")
#: Seeds the strategy was developed on: never reported.
TUNING_SEEDS = frozenset({1, 2, 3})
#: Defaults of --opt-out-cost and --complaint-cost, in the policy's reference units.
OPT_OUT_COST = 1_000.0
COMPLAINT_COST = 10_000.0


@dataclass(frozen=True, slots=True)
class Run:
    strategy: str
    seed: int
    contacts: int
    recovered: int
    opted_out: int
    complained: int
    wall_s: float
    # Absent from raw files written before the equal budget: they load with these.
    capacity: int = 0
    contacts_by_channel: dict[str, int] | None = None


@dataclass(frozen=True, slots=True)
class Costs:
    """What the net figure charges, in the policy's reference units."""

    opt_out: float = OPT_OUT_COST
    complaint: float = COMPLAINT_COST
    by_channel: dict[str, float] = field(default_factory=dict)

    def of(self, run: Run) -> float:
        """Channel costs plus opt-outs and complaints; NaN without the channel mix."""
        if run.contacts_by_channel is None:
            return math.nan if run.contacts else 0.0
        channels = sum(self.by_channel.get(c, 0.0) * n for c, n in run.contacts_by_channel.items())
        return channels + self.opt_out * run.opted_out + self.complaint * run.complained


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
    by_channel: dict[str, int] = {}
    if strategy == "none":
        truth = world.untreated(start + dt.timedelta(days=days))
    else:
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, f"{TENANT}.toml").write_text(policy_text(strategy, capacity))
            settings = backtest_settings(Settings(), redis, TENANT, folder)
            run = Backtest(
                settings, world, start=start, days=days, team_calls_per_day=TEAM_CALLS_PER_DAY
            )
            result = asyncio.run(run.run())
        truth = world.truth()
        by_channel = dict(result.contacts_by_channel)
    return Run(
        strategy,
        seed,
        truth.contacts,
        recovered(truth),
        truth.opted_out,
        truth.complained,
        time.perf_counter() - began,
        0 if strategy in ("none", "cadence") else capacity,
        by_channel,
    )


def seed_range(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def equal_capacity(cadence: Run, days: int) -> int:
    """The cadence's contacts per day on its seed: the equal budget of live= and amount=."""
    return max(1, math.ceil(cadence.contacts / days))


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
@click.option(
    "--opt-out-cost",
    type=float,
    default=OPT_OUT_COST,
    show_default=True,
    help="Charged per opt-out in the net figure (policy reference units)",
)
@click.option(
    "--complaint-cost",
    type=float,
    default=COMPLAINT_COST,
    show_default=True,
    help="Charged per complaint in the net figure (policy reference units)",
)
@click.option("--jobs", type=int, default=2, show_default=True)
@click.option("--raw", type=click.Path(dir_okay=False), help="Also write every run as JSON")
@click.option(
    "--from-raw", type=click.Path(exists=True, dir_okay=False), help="Report saved runs again"
)
@click.option("--vary-world", is_flag=True, help="A different world variant for every seed")
@click.option(
    "--ablations",
    "with_ablations",
    is_flag=True,
    help="Also live with each learned part toggled from the shipped policy",
)
def main(
    debtors: int,
    days: int,
    seeds: str,
    capacity_share: float,
    opt_out_cost: float,
    complaint_cost: float,
    jobs: int,
    raw: str | None,
    from_raw: str | None,
    vary_world: bool,
    with_ablations: bool,
) -> None:
    capacity = max(1, round(debtors * capacity_share))
    costs = Costs(opt_out_cost, complaint_cost, channel_costs())
    if from_raw:
        saved = [Run(**r) for r in orjson.loads(Path(from_raw).read_bytes())]
        report(
            [r for r in saved if r.seed not in TUNING_SEEDS], debtors, days, capacity, costs, 0.0
        )
        return
    chosen = seed_range(seeds)
    if TUNING_SEEDS & set(chosen):
        raise click.BadParameter(
            f"seeds {sorted(TUNING_SEEDS)} tuned the strategy", param_hint="--seeds"
        )
    store = resolve_redis(None)
    started = time.perf_counter()
    try:
        with ProcessPoolExecutor(max_workers=jobs) as pool:

            def submit(strategy: str, seed: int, cap: int) -> Future[Run]:
                return pool.submit(
                    run_one, strategy, seed, debtors, days, cap, store.url, vary_world
                )

            # The cadence first: the equal-budget runs need its volume on their seed.
            cadence = {seed: submit("cadence", seed, 0) for seed in chosen}
            own = ("none", "live", "amount", *(ablations() if with_ablations else ()))
            futures = [submit(s, seed, capacity) for seed in chosen for s in own]
            for seed, future in cadence.items():
                equal = equal_capacity(future.result(), days)
                futures += [submit(s, seed, equal) for s in EQUAL]
            runs = [f.result() for f in [*cadence.values(), *futures]]
    finally:
        store.stop()
    if raw:
        Path(raw).write_bytes(orjson.dumps([dataclasses.asdict(r) for r in runs]))
    for r in sorted(runs, key=lambda r: (r.seed, r.strategy)):
        click.echo(
            f"  seed {r.seed:>4} {r.strategy:<8} capacity {r.capacity or '-':>4} contacts "
            f"{r.contacts:>6} recovered {r.recovered:>14,} opted out {r.opted_out:>4} "
            f"complaints {r.complained:>3} ({r.wall_s:.0f} s)"
        )
    report(runs, debtors, days, capacity, costs, time.perf_counter() - started)


def _cell(value: tuple[float, float], width: int, digits: int = 0) -> str:
    mean, half = value
    if not math.isfinite(mean):
        return f"{'n/a':>{width}}"
    text = (
        f"{mean:,.{digits}f} ± {half:,.{digits}f}" if math.isfinite(half) else f"{mean:,.{digits}f}"
    )
    return f"{text:>{width}}"


def report(
    runs: list[Run], debtors: int, days: int, capacity: int, costs: Costs, elapsed: float
) -> None:
    by = {(r.strategy, r.seed): r for r in runs}
    seeds = sorted({r.seed for r in runs})
    click.echo(
        f"{debtors} debtors, {days} days, seeds {seeds[0]}-{seeds[-1]} ({len(seeds)}), "
        f"capacity {capacity}/day for live and amount, {elapsed:.0f} s\n"
        f"net = incremental - channel costs {costs.by_channel} - {costs.opt_out:,.0f} per "
        f"opt-out - {costs.complaint:,.0f} per complaint (reference units)\n"
    )

    def incremental(r: Run) -> float:
        return r.recovered - by[("none", r.seed)].recovered

    def net(r: Run) -> float:
        return incremental(r) - costs.of(r)

    columns: list[tuple[str, int, Callable[[Run], float], int]] = [
        ("contacts", 14, lambda r: r.contacts, 0),
        ("incremental recovered", 24, incremental, 0),
        ("incr./contact", 14, lambda r: incremental(r) / max(r.contacts, 1), 0),
        ("net incremental", 24, net, 0),
        ("opt-outs/1k debtors", 19, lambda r: 1000 * r.opted_out / debtors, 1),
        ("opt-outs/1k contacts", 20, lambda r: 1000 * r.opted_out / max(r.contacts, 1), 1),
    ]
    header = f"{'strategy':<9}" + "".join(f" {name:>{w}}" for name, w, _, _ in columns)
    toggles = ablated_in(name for name, _ in by)
    for title, names in (
        ("At each strategy's own operating point", (*STRATEGIES, *toggles)),
        ("At an equal budget: the cadence's contacts per day", ("cadence", *EQUAL)),
    ):
        present = [n for n in names if all((n, s) in by for s in seeds)]
        if len(present) < 2:
            continue
        click.echo(f"{title}\n{header}\n{'-' * len(header)}")
        for name in present:
            mine = [by[(name, s)] for s in seeds]
            cells = "".join(f" {_cell(ci([f(r) for r in mine]), w, d)}" for _, w, f, d in columns)
            click.echo(f"{name:<9}{cells}")
        click.echo("")
    if all(("live=", s) in by for s in seeds):
        caps = [by[("live=", s)].capacity for s in seeds]
        click.echo(f"equal budget: capacity {min(caps)}-{max(caps)}/day (the cadence's, per seed)")
    none = ci([float(by[("none", s)].recovered) for s in seeds])
    click.echo(f"none: 0 contacts, recovered {none[0]:,.0f} ± {none[1]:,.0f}")
    click.echo(
        "\nLive against each baseline, paired by seed (95% intervals: the ratio of means by a"
        f" seed bootstrap of {BOOTSTRAP:,} resamples, the difference by a t-interval):"
    )

    def compare(label: str, a: str, b: str, f: Callable[[Run], float], goal: float) -> None:
        if not all((a, s) in by and (b, s) in by for s in seeds):
            return
        mine = [f(by[(a, s)]) for s in seeds]
        base = [f(by[(b, s)]) for s in seeds]
        ratio, low, high = ratio_of_means(mine, base)
        diff = ci([x - y for x, y in zip(mine, base, strict=True)])
        click.echo(
            f"  {label}, {a} / {b}: {ratio:.2f}x [{low:.2f}, {high:.2f}]"
            f" (goal >= {goal}x: {verdict(low, high, goal)}); {a} - {b}: {_cell(diff, 0)}"
        )

    def per(r: Run) -> float:
        return incremental(r) / max(r.contacts, 1)

    compare("incremental recovered per contact", "live", "cadence", per, 1.3)
    compare("incremental recovered per contact", "live", "amount", per, 1.1)
    compare("incremental recovered at an equal budget", "live=", "cadence", incremental, 1.3)
    compare("incremental recovered at an equal budget", "live=", "amount=", incremental, 1.1)

    def difference(label: str, a: str, f: Callable[[Run], float], sign: int, digits: int) -> None:
        """``a`` - cadence with the goal ``sign * difference >= 0``, from a t-interval."""
        if not all((a, s) in by for s in seeds):
            return
        mean, half = ci([f(by[(a, s)]) - f(by[("cadence", s)]) for s in seeds])
        low, high = sorted((sign * (mean - half), sign * (mean + half)))
        ok = verdict(low, high, 0.0) if math.isfinite(half) else "no interval"
        if not math.isfinite(mean):
            ok = "runs saved without contacts by channel"
        goal = ">= 0" if sign > 0 else "<= 0"
        click.echo(
            f"  {label}, {a} - cadence: {_cell((mean, half), 0, digits)} (goal {goal}: {ok})"
        )

    difference("net incremental recovered", "live", net, 1, 0)
    difference("opt-outs per 1,000 debtors", "live", lambda r: 1000 * r.opted_out / debtors, -1, 1)
    difference(
        "opt-outs per 1,000 contacts",
        "live",
        lambda r: 1000 * r.opted_out / max(r.contacts, 1),
        -1,
        1,
    )
    ablated = [a for a in toggles if all((a, s) in by for s in seeds)]
    if ablated:
        click.echo(
            "\nAblations: what each learned part adds, live with it - live without it, paired"
            " by seed (95% t-interval; an interval spanning 0 is no measurable gain):"
        )
        for name in ablated:
            sign, part = toggled(name) or ("-", name)
            with_, without = ("live", name) if sign == "-" else (name, "live")
            for label, f in (
                ("incremental recovered", incremental),
                ("net incremental", net),
                ("contacts", lambda r: float(r.contacts)),
            ):
                diff = ci([f(by[(with_, s)]) - f(by[(without, s)]) for s in seeds])
                low, high = diff[0] - diff[1], diff[0] + diff[1]
                said = "adds" if low > 0 else "costs" if high < 0 else "no measurable difference"
                click.echo(f"  {part:<7} {label:<22} {_cell(diff, 24)}  {said}")
    mean_wall = statistics.fmean(r.wall_s for r in runs if r.strategy != "none")
    click.echo(f"\nmean wall time of one backtest: {mean_wall:.0f} s")


if __name__ == "__main__":
    main()
