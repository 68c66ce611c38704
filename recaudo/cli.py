"""The ``recaudo`` command line."""

from __future__ import annotations

import logging

import click
import orjson
from aiohttp import web
from pydantic import TypeAdapter

from recaudo.config import Settings
from rules.cli import check_contact, policy
from streams.events import AccountEvent, DeliveryEvent, PaymentEvent, ResponseEvent
from streams.outputs import ContactCommand, DeadLetter, Decision, Release

SCHEMAS: dict[str, type] = {
    "accounts": AccountEvent,
    "payments": PaymentEvent,
    "deliveries": DeliveryEvent,
    "responses": ResponseEvent,
    "contacts": ContactCommand,
    "decisions": Decision,
    "dead-letters": DeadLetter,
    "releases": Release,
}


@click.group()
def main() -> None:
    """Recaudo: real-time, law-abiding decisioning for debt collection."""


@main.command()
@click.option("--loglevel", default="info", show_default=True)
def worker(loglevel: str) -> None:
    """Run a stream worker (decide, dispatch, schedule) against RECAUDO_BROKER_URL."""
    from recaudo.worker import run_worker

    run_worker(Settings(), loglevel)


@main.command("web")
def web_command() -> None:
    """Serve the HTTP API, probes and metrics on RECAUDO_WEB_HOST:RECAUDO_WEB_PORT."""
    from recaudo.web import build_web_app

    settings = Settings()
    logging.basicConfig(level=logging.INFO)
    web.run_app(build_web_app(settings), host=settings.web_host, port=settings.web_port)


main.add_command(policy)
main.add_command(check_contact)


@main.command()
@click.argument("topic", required=False, type=click.Choice(sorted(SCHEMAS)))
def schema(topic: str | None) -> None:
    """Print the JSON Schema of every topic's records (or of one topic)."""
    chosen = {topic: SCHEMAS[topic]} if topic else SCHEMAS
    out = {name: TypeAdapter(model).json_schema() for name, model in chosen.items()}
    click.echo(orjson.dumps(out, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode())
