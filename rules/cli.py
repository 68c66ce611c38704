"""Command-line entry point of the rules package, wired into ``recaudo`` by the CLI.

``recaudo check-contact`` reads one proposed contact as JSON on stdin and prints
the verdict (see CHECK_CONTACT.md). Pure: no broker, no Redis. (``recaudo policy
check`` runs the channels' content checks too, so it is an entry point of its
own: ``recaudo.policy_cli``.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict, fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import NoReturn

import click
import orjson
from pydantic import TypeAdapter, ValidationError

from recaudo.cli_params import YEARS
from recaudo.contracts.events import Channel
from recaudo.foundation.errors import PolicyError
from recaudo.rules.base import ContactProposal, Verdict
from recaudo.rules.credit_bureau import earliest_report_date, is_small_debt
from recaudo.rules.credit_bureau import rule_for as bureau_rule
from recaudo.rules.engine import evaluate
from recaudo.rules.policy import TenantPolicy, default_policy, load_policy
from recaudo.rules.time_barred import barred, on_day
from recaudo.rules.validation_period import period_json
from recaudo.rules.voicemail import tenant_voicemail


@cache
def proposal_adapter() -> TypeAdapter[ContactProposal]:
    """Where a proposal is validated: the rules take plain data, this reads JSON
    (unknown fields, bad zones, negative days past due are errors naming the field).
    Built on first use, so other commands do not pay for it."""
    return TypeAdapter(ContactProposal)


def out_of_years(value: object, loc: tuple[str | int, ...] = ()) -> Iterator[str]:
    """The field (``history.0.at``) of every date and instant of a validated proposal
    whose year is outside ``YEARS``: the rules add days and years to them and move
    them between zones, and near year 1 or 9999 that stops with an OverflowError."""
    if isinstance(value, dt.date):  # an instant too
        if value.year not in YEARS:
            yield ".".join(str(part) for part in loc)
    elif is_dataclass(value) and not isinstance(value, type):
        for field in fields(value):
            yield from out_of_years(getattr(value, field.name), (*loc, field.name))
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from out_of_years(item, (*loc, i))


def refuse(errors: list[dict[str, str]]) -> NoReturn:
    """Print the errors, each naming its field, on stderr and exit 2 (CHECK_CONTACT.md)."""
    click.echo(orjson.dumps({"errors": errors}, option=orjson.OPT_INDENT_2).decode(), err=True)
    raise SystemExit(2)


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


def account_json(
    p: ContactProposal, policy: TenantPolicy | None = None
) -> dict[str, object] | None:
    """What the account's dates say (issue 26): time-barred or not, in Colombia the
    earliest day a negative credit-bureau report may be made, and the validation
    period of the notice given. None when the proposal carries none of those inputs,
    so older callers see the output they always did."""
    given = (
        p.delinquency_date,
        p.last_payment_date,
        p.charge_off_date,
        p.time_barred,
        p.validation_notice,
    )
    if all(v is None for v in given) and not p.credit_bureau_notices and p.purpose != "notice":
        return None
    state = barred(p)
    lim = state.limitation
    out: dict[str, object] = {
        "time_barred": state.barred,
        "time_barred_source": state.source,
        "barred_since": state.since.isoformat() if state.since else None,
        "limitation": None
        if lim is None
        else {
            "rule_id": lim.rule.id,
            "kind": lim.rule.kind,
            "years": lim.years,
            "starts": lim.starts,
            "citation": lim.rule.citation,
        },
    }
    if p.jurisdiction.split("-")[0] == "CO":
        small = is_small_debt(p.amount_due, on_day(p))
        earliest = earliest_report_date(p.credit_bureau_notices, small)
        rule = bureau_rule(small)
        out["credit_bureau"] = {
            "small_debt": small,
            "notices_delivered": sorted({d.isoformat() for d in p.credit_bureau_notices}),
            "earliest_report_date": earliest.isoformat() if earliest else None,
            "rule_id": rule.id,
            "kind": rule.kind,
            "citation": rule.citation,
        }
    period = period_json(p, policy or default_policy())
    if period is not None:
        out["validation_period"] = period
    return out


def voicemail_json(p: ContactProposal, policy: TenantPolicy) -> dict[str, object]:
    """What an answering machine would hear on this call (``rules.voicemail``): the
    limited-content message, or nothing where the tenant forbids voicemail."""
    found = tenant_voicemail(policy.jurisdictions, p.jurisdiction)
    return {
        "allowed": found.allowed,
        "machine_hears": "limited_content" if found.allowed else "nothing",
        "rule_id": found.rule.id,
        "kind": found.rule.kind,
        "citation": found.rule.citation,
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
        # Bytes, not text: input that is not UTF-8 is invalid JSON (exit 2), not a
        # UnicodeDecodeError from the text stream.
        proposal = proposal_adapter().validate_json(click.get_binary_stream("stdin").read())
    except PolicyError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(2) from exc
    except ValidationError as exc:
        refuse(
            [
                {"field": ".".join(str(p) for p in e["loc"]) or "(document)", "error": e["msg"]}
                for e in exc.errors()
            ]
        )
    years = f"the year must be {YEARS.start} to {YEARS.stop - 1}"
    if far := [{"field": field, "error": years} for field in out_of_years(proposal)]:
        refuse(far)
    out = verdict_json(evaluate(proposal, tenant))
    account = account_json(proposal, tenant)
    if account is not None:
        out["account"] = account
    if proposal.channel is Channel.VOICE:
        out["voicemail"] = voicemail_json(proposal, tenant)
    click.echo(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
