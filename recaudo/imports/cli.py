"""``recaudo import FILE --mapping MAP.toml``: a lender's file onto the input topics.

Produces to the broker and checks ids in Redis with the deployment's settings
(``RECAUDO_BROKER_URL``, ``RECAUDO_REDIS_URL``), as a worker would. The
summary is JSON on stdout; the progress bar is on stderr (off with
``--quiet``), so the output can be piped.
"""

from __future__ import annotations

import asyncio
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import click
import orjson

from recaudo.contracts.topics import Topics
from recaudo.foundation.broker_watch import BrokerWatch
from recaudo.foundation.config import Settings, load_settings
from recaudo.foundation.kafka import KafkaPublisher
from recaudo.foundation.kafka_security import client_options, ensure_settings_topics
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_client import connect
from recaudo.imports.checkpoint import Checkpoints
from recaudo.imports.convert import Converter, skew_check
from recaudo.imports.intake import Intake
from recaudo.imports.mapping import Mapping, load_mapping
from recaudo.imports.report import Report, Summary
from recaudo.imports.runner import BrokerNotConfirmed, Progress, run_import


class Bar:
    """One click progress bar per pass, in bytes of the file, on stderr."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._stack = ExitStack()
        self._bar: Any = None
        self._label = ""
        self._at = 0

    def __call__(self, label: str, read_bytes: int) -> None:
        if label != self._label:
            self.close()
            self._label, self._at = label, 0
            self._bar = self._stack.enter_context(
                click.progressbar(length=self._size, label=label.ljust(10), file=sys.stderr)
            )
        self._bar.update(read_bytes - self._at)
        self._at = read_bytes

    def close(self) -> None:
        self._stack.close()
        self._stack = ExitStack()


async def import_file(
    settings: Settings,
    path: Path,
    mapping: Mapping,
    report_out: IO[bytes] | None,
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> Summary:
    client = connect(settings)
    publisher = KafkaPublisher(settings.broker_url, client_options(settings))
    # The web's POST guard, here per chunk: rows count as sent only while the broker
    # still holds its deployment marker (it did not restart empty).
    watch = BrokerWatch(settings, client, Keys(settings.redis_prefix))
    try:
        await ensure_settings_topics(settings, Topics(settings.topic_prefix).all)
        if not await watch.check():
            raise BrokerNotConfirmed(0, lost=True)
        await publisher.start()
        converter = Converter(
            mapping,
            skew_check(
                settings.clock().now(), settings.event_future_skew_s, settings.event_max_age_s
            ),
        )
        return await run_import(
            lambda: path.open("rb"),
            mapping,
            converter,
            Intake.for_settings(settings, client, publisher),
            Checkpoints(client, Keys(settings.redis_prefix), settings.dedupe_ttl_s),
            Report(report_out, keep=0),
            skip_invalid=skip_invalid,
            chunk=settings.http_produce_chunk,
            progress=progress,
            confirm=watch.confirm,
        )
    finally:
        await publisher.stop()
        await watch.close()
        await client.aclose()


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Column mapping (TOML or JSON)",
)
@click.option("--skip-invalid", is_flag=True, help="Send the valid rows of a file with bad ones")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write every problem as NDJSON (line, column, field, code, message)",
)
@click.option("--quiet", is_flag=True, help="No progress bar on stderr")
def import_command(
    file: Path, mapping_path: Path, skip_invalid: bool, report_path: Path | None, quiet: bool
) -> None:
    """Import a CSV or NDJSON file through a column mapping; all or nothing unless
    --skip-invalid, and never the same row twice."""
    settings = load_settings()
    mapping = load_mapping(mapping_path)
    bar = None if quiet else Bar(file.stat().st_size)
    with ExitStack() as stack:
        out = stack.enter_context(report_path.open("wb")) if report_path else None
        try:
            summary = asyncio.run(
                import_file(settings, file, mapping, out, skip_invalid=skip_invalid, progress=bar)
            )
        except BrokerNotConfirmed as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            if bar is not None:
                bar.close()
    click.echo(orjson.dumps(summary.as_dict()).decode())
    if summary.refused:
        where = f"; see {report_path}" if report_path else "; --report FILE lists them"
        raise click.ClickException(
            f"nothing sent: {summary.invalid} invalid row(s){where}, or pass --skip-invalid"
        )
