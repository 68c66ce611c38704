"""``recaudo report``: what a tenant's contacts recovered against the no-contact
holdout, and the two legal lists (contacts after a flag's effective date, the
credit-bureau reporting dates), read from Redis in one scan each.

An entry point of its own, imported only when it runs (``cli.LAZY``): the
reports pull in the decision path's state codecs.
"""

from __future__ import annotations

import asyncio

import click

from recaudo.cli_params import tenant_id


@click.command()
@click.option(
    "--tenant",
    required=True,
    callback=tenant_id,
    help="Tenant id, one this deployment serves (RECAUDO_TENANTS, RECAUDO_API_KEYS)",
)
@click.option(
    "--by",
    "by",
    multiple=True,
    default=("arm",),
    show_default=True,
    help="Grouping: arm, segment, bucket, channel (repeat or comma-separate)",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option(
    "--after-effective-date",
    "after_effective",
    is_flag=True,
    help="Instead: every contact made after a legal flag's effective date (bankruptcy, "
    "death, cease, dispute, legal hold), for remediation",
)
@click.option(
    "--credit-bureau",
    "credit_bureau",
    is_flag=True,
    help="Instead: Colombia's earliest credit-bureau reporting date of every account in "
    "arrears (Ley 1266 de 2008, art. 12: the prior notices delivered and needed)",
)
def report(
    tenant: str, by: tuple[str, ...], fmt: str, after_effective: bool, credit_bureau: bool
) -> None:
    """Outcomes vs the no-contact holdout, from the debtors' committed summaries (one scan)."""
    from recaudo.foundation.config import load_settings

    if after_effective and credit_bureau:
        raise click.UsageError("--after-effective-date and --credit-bureau: one report at a time")
    settings = load_settings()
    # Before Redis: another deployment's tenant, or a typo, has no debtors here, and
    # its report would print empty as if it had none.
    served = settings.served_tenants()
    if tenant not in served:
        serving = f"it serves {', '.join(sorted(served))}" if served else "it serves none"
        raise click.BadParameter(
            f"{tenant!r} is not a tenant of this deployment (RECAUDO_TENANTS, "
            f"RECAUDO_API_KEYS): {serving}",
            param_hint="--tenant",
        )
    if credit_bureau:
        from recaudo.streams.reports.credit_bureau import FORMATS as BUREAU_FORMATS
        from recaudo.streams.reports.credit_bureau import read_credit_bureau

        listed = asyncio.run(read_credit_bureau(settings, tenant))
        click.echo(BUREAU_FORMATS[fmt](listed), nl=False)
        return
    if after_effective:
        from recaudo.streams.reports.after_effective import FORMATS as LATE_FORMATS
        from recaudo.streams.reports.after_effective import read_after_effective

        found = asyncio.run(read_after_effective(settings, tenant))
        click.echo(LATE_FORMATS[fmt](found), nl=False)
        return
    from recaudo.streams.reports.outcomes import parse_dimensions
    from recaudo.streams.reports.render import FORMATS
    from recaudo.streams.reports.source import read_report

    try:
        dims = parse_dimensions(by)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--by") from exc
    result = asyncio.run(read_report(settings, tenant, dims))
    click.echo(FORMATS[fmt](result), nl=False)
