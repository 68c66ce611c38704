"""Dead letters: the one builder of the record, and the error policy at the stream boundary.

Nothing is dropped silently: a record that is not JSON or breaks its contract, an
event that could not be decided, a command that could not be dispatched and a
webhook that matches no contact each become a ``DeadLetter`` on ``dead-letters``.
Every stage builds it here, so a letter names its source and its error the same way
whichever stage wrote it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from pydantic import ValidationError

from recaudo.contracts.outputs import DeadLetter
from recaudo.contracts.validation_errors import describe
from recaudo.foundation.errors import DecisionError, InvalidEvent

if TYPE_CHECKING:
    from recaudo.contracts.records import Inbound

T = TypeVar("T")


def validated(raw: bytes, validate: Callable[[Any], T]) -> T:
    """``raw`` as JSON through ``validate``. Either failure is an ``InvalidEvent``
    whose text is what the dead letter says: the JSON error, or each bad field."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent(f"not valid JSON: {exc}") from exc
    try:
        return validate(data)
    except ValidationError as exc:
        raise InvalidEvent(describe(exc)) from exc


def failure(exc: Exception) -> Exception:
    """What a dead letter says of an error raised while handling a valid record.

    An ``InvalidEvent`` is the input's fault and keeps its words; anything else (a
    bug, a policy gap, a provider's surprise) is a ``DecisionError`` naming the
    original type, so the letter's ``error_type`` counts our failures in one place.
    """
    if isinstance(exc, InvalidEvent):
        return exc
    return DecisionError(f"{type(exc).__name__}: {exc}")


def tenant_in(payload: bytes) -> str | None:
    """The ``tenant_id`` a raw record names, if it is JSON that names one."""
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    tenant = data.get("tenant_id") if isinstance(data, dict) else None
    return tenant if isinstance(tenant, str) else None


def dead_letter(
    source_topic: str,
    payload: bytes,
    error: Exception | tuple[str, str],
    failed_at: dt.datetime,
    *,
    key: bytes | str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    tenant_id: str | None = None,
) -> DeadLetter:
    """The letter for ``payload`` from ``source_topic``. ``error`` is the exception
    (its class names the error), or an ``(error_type, error)`` pair for a failure that
    is no exception (a webhook that matches no contact)."""
    error_type, why = (type(error).__name__, str(error)) if isinstance(error, Exception) else error
    return DeadLetter(
        source_topic=source_topic,
        partition=partition,
        offset=offset,
        key=key.decode("utf-8", "replace") if isinstance(key, bytes) else key,
        payload=payload.decode("utf-8", "replace"),
        error_type=error_type,
        error=why,
        tenant_id=tenant_id,
        failed_at=failed_at,
    )


def of_record(
    record: Inbound, error: Exception, failed_at: dt.datetime, *, tenant_id: str | None = None
) -> DeadLetter:
    """The letter for a consumed record (the decision and dispatch stages): where the
    broker had it, its key and its bytes."""
    return dead_letter(
        record.topic,
        record.value,
        error,
        failed_at,
        key=record.key,
        partition=record.partition,
        offset=record.offset,
        tenant_id=tenant_id,
    )
