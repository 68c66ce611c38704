"""The ``recaudo`` command line."""

from __future__ import annotations

import asyncio
import logging

import click
import orjson
from aiohttp import web
from pydantic import TypeAdapter

from recaudo import __version__
from recaudo.backtest.cli import backtest
from recaudo.channels.content.preview import template
from recaudo.foundation.config import Settings, effective, load_settings
from recaudo.foundation.errors import RecaudoError
from recaudo.logs import announce, configure_logging
from recaudo.models.offpolicy.cli import evaluate_command
from recaudo.rules.cli import check_contact, policy
from recaudo.simulator.cli import simulate
from recaudo.streams.events import (
    AccountEvent,
    DeliveryEvent,
    PaymentEvent,
    ResponseEvent,
    TaskClosedEvent,
)
from recaudo.streams.outputs import ContactCommand, DeadLetter, Decision, Release
from recaudo.streams.tasks import Task

SCHEMAS: dict[str, type] = {
    "accounts": AccountEvent,
    "payments": PaymentEvent,
    "deliveries": DeliveryEvent,
    "responses": ResponseEvent,
    "contacts": ContactCommand,
    "decisions": Decision,
    "dead-letters": DeadLetter,
    "releases": Release,
    "tasks": Task,
    "task-events": TaskClosedEvent,
}


class Group(click.Group):
    """Start-up errors (a bad setting, a missing file) as one line, no traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except RecaudoError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=Group)
@click.version_option(__version__, prog_name="recaudo")
def main() -> None:
    """Recaudo: real-time, law-abiding decisioning for debt collection."""


@main.command("config")
def config_command() -> None:
    """Print the effective settings (environment and defaults), secrets masked."""
    settings = load_settings()
    out = orjson.dumps(effective(settings), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    click.echo(out.decode())


@main.command()
@click.option("--loglevel", default="info", show_default=True)
def worker(loglevel: str) -> None:
    """Run a stream worker (decide, dispatch, schedule) against RECAUDO_BROKER_URL."""
    from recaudo.worker import run_worker

    settings = load_settings()
    configure_logging(loglevel, human=settings.log_format == "console")
    announce(settings)
    run_worker(settings, loglevel)


@main.command("web")
def web_command() -> None:
    """Serve the HTTP API, probes and metrics on RECAUDO_WEB_HOST:RECAUDO_WEB_PORT."""
    from recaudo.web import build_web_app

    settings = load_settings()
    configure_logging("info", human=settings.log_format == "console")
    announce(settings)
    web.run_app(
        build_web_app(settings),
        host=settings.web_host,
        port=settings.web_port,
        print=None,
    )


main.add_command(policy)
main.add_command(check_contact)
main.add_command(simulate)
main.add_command(backtest)
main.add_command(template)


@main.command()
@click.option("--debtors", default=300, show_default=True, help="Size of the simulated portfolio")
@click.option("--seed", default=1, show_default=True)
@click.option("--duration", type=float, default=None, help="Seconds to run (default: until Ctrl-C)")
@click.option("--port", default=8080, show_default=True, help="Web API port")
@click.option("--hours-per-second", default=2.0, show_default=True, help="Simulated time speed")
@click.option("--days", default=30, show_default=True, help="Simulated days to run")
def demo(
    debtors: int, seed: int, duration: float | None, port: int, hours_per_second: float, days: int
) -> None:
    """Embedded broker + Redis + sandbox + worker + web + a simulated portfolio's days."""
    from recaudo.demo import run_demo

    asyncio.run(run_demo(debtors, seed, duration, port, hours_per_second, days))


@main.command()
@click.argument("topic", required=False, type=click.Choice(sorted(SCHEMAS)))
def schema(topic: str | None) -> None:
    """Print the JSON Schema of every topic's records (or of one topic)."""
    chosen = {topic: SCHEMAS[topic]} if topic else SCHEMAS
    out = {name: TypeAdapter(model).json_schema() for name, model in chosen.items()}
    click.echo(orjson.dumps(out, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode())


main.add_command(evaluate_command)


@main.command()
@click.option("--tenant", required=True, help="Tenant id")
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
def report(tenant: str, by: tuple[str, ...], fmt: str) -> None:
    """Outcomes vs the no-contact holdout, from the debtors' committed summaries (one scan)."""
    from recaudo.streams.reports.outcomes import parse_dimensions
    from recaudo.streams.reports.render import FORMATS
    from recaudo.streams.reports.source import read_report

    try:
        dims = parse_dimensions(by)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--by") from exc
    result = asyncio.run(read_report(Settings(), tenant, dims))
    click.echo(FORMATS[fmt](result), nl=False)


@main.command()
def healthcheck() -> None:
    """Exit 0 when this host's worker or web /healthz answers (the image's HEALTHCHECK)."""
    from recaudo.probes import answers_healthz

    settings = Settings()
    if not answers_healthz((settings.worker_web_port, settings.web_port)):
        raise SystemExit(1)


@main.command("rebuild-state")
def rebuild_state_command() -> None:
    """Rebuild debtor state and legal suppressions in Redis by replaying the input topics."""
    from recaudo.rebuild import rebuild_state

    logging.basicConfig(level=logging.INFO)
    done = asyncio.run(rebuild_state(Settings()))
    click.echo(f"rebuilt {done.debtors} debtors from {done.records} records; workers resume")
