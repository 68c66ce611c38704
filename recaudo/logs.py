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

Libraries repeat their errors while the broker is away (aiokafka logs
"OffsetCommit failed" per partition per attempt: thousands of lines a minute).
``RepeatFilter`` lets one line per message per interval through from the
broker libraries, and that line says how many it held back since the last.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
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


REPEATING_LOGGERS = ("aiokafka", "kafka", "faust", "mode")


class RepeatFilter(logging.Filter):
    """One warning or error per logger and message per ``interval_s``, from the
    broker libraries; the next one let through carries ``suppressed``, the
    count held back since the previous one. Keyed by the message before its
    arguments are filled in, so one template naming each partition is one key.
    """

    def __init__(
        self,
        interval_s: float = 10.0,
        loggers: tuple[str, ...] = REPEATING_LOGGERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._interval_s = interval_s
        self._loggers = loggers
        self._clock = clock
        # key -> (when the last line went out, lines held back since)
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or not self._applies(record.name):
            return True
        key = (record.name, str(record.msg))
        now = self._clock()
        last = self._seen.get(key)
        if last is not None and now - last[0] < self._interval_s:
            self._seen[key] = (last[0], last[1] + 1)
            return False
        self._seen[key] = (now, 0)
        if last is not None and last[1]:
            record.suppressed = last[1]
        return True

    def _applies(self, name: str) -> bool:
        return any(name == n or name.startswith(n + ".") for n in self._loggers)


def configure_logging(
    level: str | int = "info",
    *,
    human: bool = False,
    stream: IO[str] | None = None,
    repeat_interval_s: float = 10.0,
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
    # On the handler: a logger's filter would not see its children's records.
    handler.addFilter(RepeatFilter(repeat_interval_s))
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
