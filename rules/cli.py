"""Command-line entry points of the rules package, wired into ``recaudo`` by the CLI.

``recaudo policy check FILE`` validates a tenant policy file; ``recaudo
check-contact`` reads one proposed contact as JSON on stdin and prints the
verdict (see CHECK_CONTACT.md). Both are pure: no broker, no Redis.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from pathlib import Path

import click
import orjson
from pydantic import TypeAdapter, ValidationError

from recaudo.foundation.errors import PolicyError
from recaudo.rules.base import ContactProposal, Verdict
from recaudo.rules.engine import evaluate
from recaudo.rules.policy import TenantPolicy, default_policy, load_policy


@cache
def proposal_adapter() -> TypeAdapter[ContactProposal]:
    """Where a proposal is validated: the rules take plain data, this reads JSON
    (unknown fields, bad zones, negative days past due are errors naming the field).
    Built on first use, so other commands do not pay for it."""
    return TypeAdapter(ContactProposal)


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
    from recaudo.channels.content.check import check_content

    # The same bad notice is found through every message that renders it: print it once.
    problems = list(dict.fromkeys(check_content(loaded, str(file))))
    if problems:
        click.echo("\n".join(problems), err=True)
        raise SystemExit(1)
    arms = ", ".join(a.name for a in loaded.experiment.arms) if loaded.experiment else "none"
    click.echo(
        f"{file}: OK — policy {loaded.name}@{loaded.version}, "
        f"{len(loaded.cadence)} cadence steps, {len(loaded.templates)} templates, "
        f"arms: {arms}, overrides: {', '.join(loaded.jurisdictions) or 'none'}"
    )


def verdict_json(verdict: Verdict) -> dict[str, object]:
    """The printed form of a verdict (also what the docs show)."""
    return {
        "allowed": verdict.allowed,
        "action": verdict.action,
        "defer_until": verdict.defer_until.isoformat() if verdict.defer_until else None,
        "reasons": [asdict(r) for r in verdict.reasons],
        "profile_version": verdict.profile_version,
        "decided_by": list(verdict.decided_by),
        "passed": list(verdict.passed),
    }


@click.command(name="check-contact")
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Tenant policy TOML (default: the built-in policy).",
)
def check_contact(policy_file: Path | None) -> None:
    """Read a proposed contact as JSON on stdin; print the verdict as JSON.

    Exit 0 whatever the verdict; 2 when the input or policy is invalid.
    """
    try:
        tenant: TenantPolicy = load_policy(policy_file) if policy_file else default_policy()
        proposal = proposal_adapter().validate_json(click.get_text_stream("stdin").read())
    except PolicyError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(2) from exc
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]) or "(document)", "error": e["msg"]}
            for e in exc.errors()
        ]
        click.echo(orjson.dumps({"errors": errors}, option=orjson.OPT_INDENT_2).decode(), err=True)
        raise SystemExit(2) from exc
    out = verdict_json(evaluate(proposal, tenant))
    click.echo(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
