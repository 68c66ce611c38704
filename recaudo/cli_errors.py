"""The one line a command prints for a failure its operator fixes, not a traceback.

A setting, a file, Redis or the broker not answering: ``recaudo``'s group
(``recaudo.cli.Group``) turns these into a usage-free error and exit 1, with any
credential masked; anything else is a bug, and keeps its traceback.
"""

from __future__ import annotations

import sys

import click

from recaudo.foundation.redact import redact


def operator_error(exc: Exception) -> str | None:
    """The one line for a failure the operator fixes (a setting, a file, a store that
    does not answer), credentials masked; None for anything else, whose traceback a
    bug report needs. Modules are looked up, not imported: an error of a library
    this run never loaded cannot have been raised."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(exc, pydantic.ValidationError):
        # Settings() built directly (not load_settings): the same line, never the value.
        if exc.title == "Settings":
            from recaudo.foundation.config import describe_settings_error

            return describe_settings_error(exc)
        return None
    redis_errors = sys.modules.get("redis.exceptions")
    if redis_errors is not None and isinstance(
        exc,
        (
            redis_errors.ConnectionError,
            redis_errors.TimeoutError,
            redis_errors.RedisClusterException,
        ),
    ):
        return f"Redis is unreachable (RECAUDO_REDIS_URL): {redact(str(exc))}"
    kafka_errors = sys.modules.get("aiokafka.errors")
    if kafka_errors is not None and isinstance(exc, kafka_errors.KafkaConnectionError):
        return f"the broker is unreachable (RECAUDO_BROKER_URL): {redact(str(exc))}"
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        # A file named on the command line or in a setting: open, read or create.
        return f"{click.format_filename(exc.filename)}: {exc.strerror}"
    return None
