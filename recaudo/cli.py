"""The ``recaudo`` command line.

Each subcommand imports what it uses when it runs, so the per-call commands
(``check-contact``, ``policy check``, ``template preview``, ``--help``) start
without loading the stream workers, the learners or aiohttp: they are piped
and scripted, and were paying seconds of imports they never used
(``bench/cli_start.py`` measures it).
"""

from __future__ import annotations

import asyncio
import importlib
from dataclasses import dataclass
from typing import Any

import click
from click.utils import make_default_short_help

from recaudo import __version__
from recaudo.cli_errors import operator_error
from recaudo.cli_params import PORT, FiniteRange, tenant_id
from recaudo.contracts.topics import BASE_NAMES
from recaudo.foundation.errors import RecaudoError
from recaudo.foundation.redact import redact


@dataclass(frozen=True, slots=True)
class Lazy:
    """A subcommand another package defines, imported when it is asked for."""

    target: str  # "module:attribute"
    help: str  # its first help paragraph, for ``recaudo --help`` (a test keeps them equal)

    def load(self) -> click.Command:
        module, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command), self.target
        return command


#: Subcommands of the domain packages, by name.
LAZY: dict[str, Lazy] = {
    "backtest": Lazy(
        "recaudo.backtest.cli:backtest",
        "Run the live decision path on event time over a dated log or a simulated portfolio, "
        "and print what each policy recovered against the holdout.",
    ),
    "check-contact": Lazy(
        "recaudo.rules.cli:check_contact",
        "Read a proposed contact as JSON on stdin; print the verdict as JSON.",
    ),
    "evaluate": Lazy(
        "recaudo.models.offpolicy.cli:evaluate_command",
        "Estimate a challenger policy's recovery off-policy from logged decisions.",
    ),
    "import": Lazy(
        "recaudo.imports.cli:import_command",
        "Import a CSV or NDJSON file through a column mapping; all or nothing unless "
        "--skip-invalid, and never the same row twice.",
    ),
    "policy": Lazy(
        "recaudo.policy_cli:policy",
        "Tenant policy files: cadences, templates, experiments, overrides.",
    ),
    "report": Lazy(
        "recaudo.report_cli:report",
        "Outcomes vs the no-contact holdout, from the debtors' committed summaries (one scan).",
    ),
    "simulate": Lazy(
        "recaudo.simulator.cli:simulate",
        "Write N seeded synthetic accounts (AccountEvent NDJSON) to --out (default stdout), "
        "or with --events-out the world's event log over --days.",
    ),
    "template": Lazy(
        "recaudo.channels.content.preview:template",
        "Message templates of a tenant policy.",
    ),
    "webhooks": Lazy(
        "recaudo.channels.outbound.cli:webhooks",
        "Outbound webhooks to the lender's CRM: replay an endpoint's dead letters.",
    ),
}


class Group(click.Group):
    """Start-up errors (a bad setting, a missing file, Redis or the broker not
    answering) as one line, no traceback; the subcommands in ``LAZY`` imported only
    when one of them runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in LAZY:
            found = LAZY[cmd_name].load()
        return found

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            command = super().get_command(ctx, name)
            if command is None:
                rows.append((name, make_default_short_help(LAZY[name].help, limit)))
            elif not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RecaudoError as exc:
            # Masked here too: a message may quote a setting (a Redis URL) whole.
            raise click.ClickException(redact(str(exc))) from None
        except Exception as exc:
            message = operator_error(exc)
            if message is None:
                raise
            raise click.ClickException(message) from None


#: ``--loglevel`` of the worker: the standard library's names.
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


@click.group(cls=Group)
@click.version_option(__version__, prog_name="recaudo")
def main() -> None:
    """Recaudo: real-time, law-abiding decisioning for debt collection."""


@main.command("config")
def config_command() -> None:
    """Print the effective settings (environment and defaults), secrets masked."""
    import orjson

    from recaudo.foundation.config import effective, load_settings

    settings = load_settings()
    out = orjson.dumps(effective(settings), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    click.echo(out.decode())


@main.command()
@click.option(
    "--loglevel",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    default="info",
    show_default=True,
)
def worker(loglevel: str) -> None:
    """Run a stream worker (decide, dispatch, schedule) against RECAUDO_BROKER_URL."""
    from recaudo.foundation.config import load_settings
    from recaudo.logs import announce, configure_logging
    from recaudo.worker import run_worker

    settings = load_settings()
    configure_logging(
        loglevel,
        human=settings.log_format == "console",
        repeat_interval_s=settings.broker_check_interval_s,
    )
    announce(settings)
    run_worker(settings, loglevel)


@main.command("web")
def web_command() -> None:
    """Serve the HTTP API, probes and metrics on RECAUDO_WEB_HOST:RECAUDO_WEB_PORT."""
    from aiohttp import web

    from recaudo.foundation.config import load_settings
    from recaudo.foundation.startup_heap import freeze_startup_heap
    from recaudo.logs import announce, configure_logging
    from recaudo.web import build_web_app

    settings = load_settings()
    configure_logging(
        "info",
        human=settings.log_format == "console",
        repeat_interval_s=settings.broker_check_interval_s,
    )
    announce(settings)
    app = build_web_app(settings)
    freeze_startup_heap()
    web.run_app(
        app,
        host=settings.web_host,
        port=settings.web_port,
        print=None,
    )


@main.command()
@click.option(
    "--debtors",
    type=click.IntRange(1, 10_000_000),
    default=300,
    show_default=True,
    help="Size of the simulated portfolio",
)
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True)
@click.option(
    "--duration",
    type=FiniteRange(min=0, min_open=True),
    default=None,
    help="Seconds to run (default: until Ctrl-C)",
)
@click.option("--port", type=PORT, default=8080, show_default=True, help="Web API port")
@click.option(
    "--hours-per-second",
    type=FiniteRange(min=0, min_open=True, max=24 * 365),
    default=2.0,
    show_default=True,
    help="Simulated time speed",
)
@click.option(
    "--days",
    type=click.IntRange(1, 3660),
    default=30,
    show_default=True,
    help="Simulated days to run",
)
def demo(
    debtors: int, seed: int, duration: float | None, port: int, hours_per_second: float, days: int
) -> None:
    """Embedded broker + Redis + sandbox + worker + web + a simulated portfolio's days."""
    from recaudo.demo import run_demo
    from recaudo.dev import check_port_free

    # Before the broker and Redis start, as `dev` does: a taken port is the operator's
    # to change, not a bind traceback after seconds of start-up.
    check_port_free(port)
    asyncio.run(run_demo(debtors, seed, duration, port, hours_per_second, days))


@main.command()
@click.option("--port", type=PORT, default=8080, show_default=True, help="Web API port")
@click.option(
    "--tenant",
    default="acme",
    show_default=True,
    callback=tenant_id,
    help="The tenant the API key posts as",
)
@click.option("--api-key", help="The API key  [default: a random one, printed]")
@click.option(
    "--policy",
    "policy_dir",
    type=click.Path(exists=True, file_okay=False),
    help="Policy folder (<tenant>.toml)  [default: the built-in policy]",
)
def dev(port: int, tenant: str, api_key: str | None, policy_dir: str | None) -> None:
    """Embedded broker + Redis + worker + web for your own events, until Ctrl-C."""
    import secrets

    from recaudo.dev import run_dev

    asyncio.run(run_dev(port, tenant, api_key or secrets.token_urlsafe(16), policy_dir))


#: Each topic's record model, imported when ``recaudo schema`` prints it.
SCHEMAS: dict[str, str] = {
    BASE_NAMES.accounts: "recaudo.contracts.events:AccountsRecord",
    BASE_NAMES.urgent_accounts: "recaudo.contracts.events:AccountEvent",
    BASE_NAMES.payments: "recaudo.contracts.events:PaymentEvent",
    BASE_NAMES.deliveries: "recaudo.contracts.events:DeliveryEvent",
    BASE_NAMES.responses: "recaudo.contracts.events:ResponseEvent",
    BASE_NAMES.contacts: "recaudo.contracts.outputs:ContactCommand",
    BASE_NAMES.decisions: "recaudo.contracts.outputs:Decision",
    BASE_NAMES.dead_letters: "recaudo.contracts.outputs:DeadLetter",
    BASE_NAMES.releases: "recaudo.contracts.outputs:Release",
    BASE_NAMES.tasks: "recaudo.streams.tasks:Task",
    BASE_NAMES.task_events: "recaudo.contracts.events:TaskClosedEvent",
}


@main.command()
@click.argument("topic", required=False, type=click.Choice(sorted(SCHEMAS)))
def schema(topic: str | None) -> None:
    """Print the JSON Schema of every topic's records (or of one topic)."""
    import orjson
    from pydantic import TypeAdapter

    from recaudo.contracts.topics import TOPIC_OF_TYPE
    from recaudo.examples import EXAMPLES

    example_of: dict[str, list[dict[str, object]]] = {}
    for kind, topic_name in TOPIC_OF_TYPE.items():
        example_of.setdefault(topic_name, []).append(EXAMPLES[kind])
    out = {}
    for name, target in SCHEMAS.items():
        if topic in (None, name):
            module, _, attribute = target.partition(":")
            model = getattr(importlib.import_module(module), attribute)
            out[name] = TypeAdapter(model).json_schema()
            if name in example_of:  # the input events: what an integrator POSTs
                out[name]["examples"] = example_of[name]
    click.echo(orjson.dumps(out, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode())


@main.command()
def healthcheck() -> None:
    """Exit 0 when this host's worker or web /healthz answers (the image's HEALTHCHECK)."""
    from recaudo.foundation.config import load_settings
    from recaudo.probes import answers_healthz

    settings = load_settings()
    if not answers_healthz((settings.worker_web_port, settings.web_port)):
        raise SystemExit(1)


@main.command("rebuild-state")
def rebuild_state_command() -> None:
    """Rebuild debtor state and legal suppressions in Redis by replaying the input topics."""
    from recaudo.foundation.config import load_settings
    from recaudo.logs import configure_logging

    settings = load_settings()  # before the seconds of importing the decision path
    from recaudo.rebuild import rebuild_state

    # The processes' logging: every line redacted (a client library may log the
    # broker or Redis it was given, credentials included).
    configure_logging(
        "info",
        human=settings.log_format == "console",
        repeat_interval_s=settings.broker_check_interval_s,
    )
    done = asyncio.run(rebuild_state(settings))
    click.echo(f"rebuilt {done.debtors} debtors from {done.records} records; workers resume")
