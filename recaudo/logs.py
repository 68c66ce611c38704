"""Logging for every process: structlog, one JSON object per line.

The standard library's records (Faust, aiokafka, aiohttp) go through the same
processors, so a log shipper sees one format. Context bound with
``structlog.contextvars`` (tenant, event_id, decision_id, contact_id) lands on
every line logged while it is bound, whichever library logs it. The demo asks
for ``human=True``: the same events, rendered for a terminal.

Every rendered line, whoever logged it (aiokafka's "Unable connect to" names
the broker as it was given), passes ``redact`` last: credentials in URLs and
``user:password@host`` are masked after all formatting, so no argument,
exception text or extra field can slip one through.
"""

from __future__ import annotations

import logging
import sys
from typing import IO, Any

import orjson
import structlog
from structlog.typing import Processor

from recaudo.foundation.config import Settings
from recaudo.foundation.redact import redact


def _dumps(obj: Any, default: Any = None) -> str:
    return orjson.dumps(obj, default=default or str).decode()


class RedactingFormatter(structlog.stdlib.ProcessorFormatter):
    """structlog's formatter, its final line with every credential masked."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(
    level: str | int = "info", *, human: bool = False, stream: IO[str] | None = None
) -> None:
    stream = stream or sys.stderr
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer: Processor = (
        structlog.dev.ConsoleRenderer(colors=stream.isatty())
        if human
        else structlog.processors.JSONRenderer(serializer=_dumps)
    )
    formatter = RedactingFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper() if isinstance(level, str) else level)


def announce(settings: Settings) -> None:
    """Say at start what would otherwise surprise: a dry run sends nothing."""
    log = structlog.get_logger("recaudo")
    if settings.dry_run:
        log.warning(
            "dry_run",
            detail="RECAUDO_PROVIDERS_FILE is not set: contacts are recorded, never sent",
            environment=settings.environment,
        )
    log.info("starting", environment=settings.environment, app_id=settings.app_id)
