"""Checks of the command line's values that several subcommands share.

A value the code below would choke on (a blank tenant, nan days, year 9999) is
refused here as a usage error naming its option, rather than as a traceback
from deep in a run, or worse a run that prints nothing wrong.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import click

#: The years an instant given on the command line may fall in: a run dates accounts
#: years before it and runs days after it, and a date past year 1 or 9999 stops it
#: half-way with an OverflowError.
YEARS = range(1900, 3000)
#: A TCP port to listen on.
PORT = click.IntRange(1, 65535)


def tenant_id(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """An option's tenant, checked as an event's ``tenant_id`` is: a blank or
    misspelt one (``Acme``) would give an empty report, not an error."""
    from pydantic import TypeAdapter, ValidationError

    from recaudo.contracts.base import TenantId

    try:
        return TypeAdapter(TenantId).validate_python(value)
    except ValidationError as exc:
        raise click.BadParameter(exc.errors()[0]["msg"]) from None


def tenant_ids(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A comma-separated list of tenants, each checked as ``tenant_id`` is."""
    if value is None:
        return None
    named = [tenant_id(ctx, param, t.strip()) for t in value.split(",") if t.strip()]
    if not named:
        raise click.BadParameter("name at least one tenant")
    return ",".join(named)


def in_years(at: dt.datetime, param_hint: str) -> dt.datetime:
    """``at`` (UTC when it names no offset), or a usage error outside ``YEARS``."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    if at.year not in YEARS:
        raise click.BadParameter(
            f"the year must be {YEARS.start} to {YEARS.stop - 1}", param_hint=param_hint
        )
    return at


def instant(_ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime | None:
    """An RFC 3339 instant (UTC when it names no offset) within ``YEARS``."""
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an RFC 3339 instant ({exc})") from None
    return in_years(parsed, param.get_error_hint(_ctx))


class FiniteRange(click.FloatRange):
    """A ``FloatRange`` that also refuses nan (it passes every bound's comparison) and,
    with no bound to stop it, infinity."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number
