"""``recaudo policy check FILE``: a tenant policy file checked before deployment.

An entry point rather than part of rules/: besides the rules' checks (the
policy's own fields, threats of suit in templates that can reach time-barred
accounts, demands that overshadow the validation period) it runs the channels'
message-content checks (``channels.content.check``), and rules/ sits below
channels/. Pure: no broker, no Redis.
"""

from __future__ import annotations

from pathlib import Path

import click

from recaudo.channels.content.check import check_content
from recaudo.foundation.errors import PolicyError
from recaudo.rules.policy import load_policy
from recaudo.rules.time_barred import policy_problems
from recaudo.rules.validation_period import policy_problems as overshadowing_problems


@click.group(name="policy")
def policy() -> None:
    """Tenant policy files: cadences, templates, experiments, overrides."""


@policy.command(name="check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def check(file: Path) -> None:
    """Validate FILE; print each bad field and exit 1 if it is invalid."""
    try:
        loaded = load_policy(file)
    except PolicyError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from exc
    # Message content (issue 10): templates, languages/channels, required notices.
    # The same bad notice is found through every message that renders it: print it once.
    problems = list(dict.fromkeys(check_content(loaded, str(file))))
    # Threats of suit in templates that can reach time-barred accounts (issue 26).
    problems += policy_problems(loaded, str(file))
    # A third-party collector's demands that overshadow the validation period.
    problems += overshadowing_problems(loaded, str(file))
    if problems:
        click.echo("\n".join(problems), err=True)
        raise SystemExit(1)
    arms = ", ".join(a.name for a in loaded.experiment.arms) if loaded.experiment else "none"
    click.echo(
        f"{file}: OK — policy {loaded.name}@{loaded.version}, "
        f"{len(loaded.cadence)} cadence steps, {len(loaded.templates)} templates, "
        f"arms: {arms}, overrides: {', '.join(loaded.jurisdictions) or 'none'}"
    )
