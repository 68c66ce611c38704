"""``recaudo evaluate``: a challenger policy's value, estimated from the decision log.

Pure: it reads NDJSON files (decisions, and payment events there or in
``--events``) and a policy file; no broker, no Redis. Rewards are in the
challenger policy's reference units (``targeting.currency_value``; minor units
by default).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

import click
import orjson

from recaudo.foundation.errors import EvaluationError, PolicyError
from recaudo.models.offpolicy.challenger import LoggedPolicy, PolicyChallenger
from recaudo.models.offpolicy.direct import RewardModel
from recaudo.models.offpolicy.estimators import Estimate, Evaluation, evaluate
from recaudo.models.offpolicy.logged import LoggedChoice
from recaudo.models.offpolicy.rewards import PaymentIndex, rewards_for
from recaudo.models.offpolicy.source import Log, read_log
from recaudo.rules.policy import load_policy

FILE = click.Path(path_type=Path, dir_okay=False, exists=True)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.2f}"


def _est(e: Estimate | None) -> str:
    if e is None:
        return "n/a (no contacts)"
    return f"{e.value:,.2f} [{e.low:,.2f}, {e.high:,.2f}]"


def for_tenant(choices: list[LoggedChoice], tenant: str | None) -> list[LoggedChoice]:
    """One tenant's choices: a challenger policy is one tenant's, never a mix."""
    if tenant is not None:
        return [c for c in choices if c.tenant_id == tenant]
    tenants = sorted({c.tenant_id for c in choices})
    if len(tenants) > 1:
        raise EvaluationError(
            f"the log holds several tenants ({', '.join(tenants)}); pass --tenant"
        )
    return choices


def _finite(value: float, option: str) -> float:
    """nan passes every bound of a ``FloatRange`` (it compares false): refused here."""
    if not math.isfinite(value):
        raise click.BadParameter(f"{value!r} is not a finite number", param_hint=option)
    return value


def render_table(ev: Evaluation, check: Evaluation, log: Log, window_days: float) -> str:
    """The human-readable report."""
    n = ev.evaluated
    lines = [
        f"Off-policy evaluation of {ev.challenger}",
        f"  logged choices: {ev.records:,}  evaluated: {n:,}  "
        f"unsupported: {ev.unsupported:,} ({ev.unsupported / ev.records:.1%})"
        + (f", e.g. {', '.join(ev.unsupported_ids[:3])}" if ev.unsupported else ""),
        f"  zero support: {ev.zero_support:,} ({ev.zero_support_share:.1%})  "
        f"effective sample size: {ev.ess:,.1f} ({ev.ess / n:.1%} of evaluated)  "
        f"max weight: {ev.max_weight:,.2f}",
        f"  reward: paid within {window_days:g} days after the decision "
        f"({len(log.payments):,} payments read); 95% intervals",
        "",
        f"  {'':28}{'per decision':>34}{'per contact':>34}{'contacts/decision':>19}",
        f"  {'logging policy (observed)':28}{_fmt(ev.logged_per_decision):>34}"
        f"{_fmt(ev.logged_per_contact):>34}{ev.logged_contact_rate:>19.3f}",
        f"  {'logging policy (IPS check)':28}{_est(check.ips):>34}"
        f"{_fmt(check.ips_per_contact.value if check.ips_per_contact else None):>34}"
        f"{check.contact_rate:>19.3f}",
        f"  {'challenger IPS':28}{_est(ev.ips):>34}{_est(ev.ips_per_contact):>34}"
        f"{ev.contact_rate:>19.3f}",
        f"  {'challenger SNIPS':28}{_est(ev.snips):>34}{'':>34}{ev.contact_rate:>19.3f}",
        f"  {'challenger DR':28}{_est(ev.dr):>34}{_est(ev.dr_per_contact):>34}"
        f"{ev.contact_rate:>19.3f}",
    ]
    if ev.zero_support:
        lines.append(
            "  note: the challenger takes options the logging policy never took on some "
            "records; IPS cannot see them, DR relies on its reward model there"
        )
    return "\n".join(lines)


def as_json(ev: Evaluation, check: Evaluation, log: Log, window_days: float) -> dict[str, object]:
    """The machine-readable report (``--format json``)."""
    out = dataclasses.asdict(ev)
    out["unsupported_ids"] = list(ev.unsupported_ids)
    out["zero_support_share"] = ev.zero_support_share
    out["logging_ips_check"] = {
        "per_decision": dataclasses.asdict(check.ips),
        "per_contact": check.ips_per_contact.value if check.ips_per_contact else None,
    }
    out["window_days"] = window_days
    out["payments"] = len(log.payments)
    out["decisions_without_options"] = log.decisions_without_options
    return out


@click.command("evaluate")
@click.option("--policy", "policy_file", type=FILE, required=True, help="Challenger policy TOML.")
@click.option(
    "--decisions",
    type=FILE,
    required=True,
    help="Decision log, NDJSON (may also hold payment events).",
)
@click.option("--events", type=FILE, multiple=True, help="Input events NDJSON; payments are used.")
@click.option(
    "--window-days",
    type=click.FloatRange(min=0, min_open=True, max=3660),
    callback=lambda _ctx, _param, days: _finite(days, "--window-days"),
    default=7.0,
    show_default=True,
)
@click.option(
    "--threshold", type=float, default=None, help="Contact threshold (default: min_value)."
)
@click.option("--tenant", default=None, help="Evaluate this tenant's choices (needed if several).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--bootstrap", type=click.IntRange(min=0), default=400, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def evaluate_command(
    policy_file: Path,
    decisions: Path,
    events: tuple[Path, ...],
    window_days: float,
    threshold: float | None,
    tenant: str | None,
    fmt: str,
    bootstrap: int,
    seed: int,
) -> None:
    """Estimate a challenger policy's recovery off-policy from logged decisions.

    Exit 2 when the policy or the log is invalid (the message names the record).
    """
    try:
        policy = load_policy(policy_file)
        log = read_log([decisions, *events])
        log.choices = for_tenant(log.choices, tenant)
        challenger = PolicyChallenger(policy, threshold)
        index = PaymentIndex(log.payments, policy.targeting.value_of)
        rewards = rewards_for(log.choices, index, dt.timedelta(days=window_days))
        ev = evaluate(
            log.choices,
            rewards,
            challenger,
            name=challenger.name,
            model=RewardModel(value_of=policy.targeting.value_of),
            resamples=bootstrap,
            seed=seed,
        )
        check = evaluate(log.choices, rewards, LoggedPolicy(), name=LoggedPolicy.name, resamples=0)
    except (PolicyError, EvaluationError) as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(2) from exc
    if fmt == "json":
        report = as_json(ev, check, log, window_days)
        click.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(render_table(ev, check, log, window_days))
