"""``recaudo webhooks replay``: send an endpoint's dead letters again, after a fix.

Each message keeps its ``webhook-id`` (receivers dedupe on it) and gets a fresh
retry window; the running workers' delivery loops send it, in its debtor's order.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import click

from recaudo.channels.outbound.catalog import EventType
from recaudo.channels.outbound.endpoints import EndpointStore
from recaudo.channels.outbound.queue import Outbox
from recaudo.foundation.config import Settings, load_settings
from recaudo.foundation.errors import ConfigError
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_client import connect


@click.group("webhooks")
def webhooks() -> None:
    """Outbound webhooks to the lender's CRM: replay an endpoint's dead letters."""


def _instant(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 instant") from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).timestamp()


@webhooks.command("replay")
@click.option("--endpoint", "endpoint_id", required=True, help="The endpoint id (ep_...)")
@click.option(
    "--type",
    "types",
    multiple=True,
    type=click.Choice([t.value for t in EventType]),
    help="Only these event types (repeatable)",
)
@click.option("--since", help="Queued at or after this ISO 8601 instant")
@click.option("--until", help="Queued at or before this ISO 8601 instant")
@click.option("--delivered-too", is_flag=True, help="Also resend messages already delivered")
def replay(
    endpoint_id: str,
    types: tuple[str, ...],
    since: str | None,
    until: str | None,
    delivered_too: bool,
) -> None:
    """Queue the endpoint's dead letters again (by type and time range)."""
    start, end = _instant(since), _instant(until)
    if start is not None and end is not None and start > end:
        # An empty range would queue nothing and say "0 message(s)", as if none failed.
        raise click.BadParameter("--since is after --until", param_hint="--since")
    count = asyncio.run(
        _replay(load_settings(), endpoint_id, set(types) or None, start, end, delivered_too)
    )
    click.echo(f"{count} message(s) queued again for {endpoint_id}")


async def _replay(
    settings: Settings,
    endpoint_id: str,
    types: set[str] | None,
    since: float | None,
    until: float | None,
    delivered_too: bool,
) -> int:
    client = connect(settings)
    keys = Keys(settings.redis_prefix)
    try:
        endpoint = await EndpointStore(client, keys).find(endpoint_id)
        if endpoint is None:
            raise ConfigError(f"no webhook endpoint {endpoint_id!r}")
        return await Outbox(client, keys).replay(
            endpoint,
            settings.clock().now().timestamp(),
            types=types,
            since=since,
            until=until,
            delivered_too=delivered_too,
        )
    finally:
        await client.aclose()
