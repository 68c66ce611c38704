"""Decoding helpers shared by the form- and JSON-bodied providers."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson

from recaudo.foundation.errors import InvalidEvent


def form_pairs(body: bytes) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` body as ordered pairs; InvalidEvent if not text."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEvent("form body is not UTF-8") from exc
    try:
        return parse_qsl(text, keep_blank_values=True)
    except ValueError as exc:
        raise InvalidEvent(f"malformed form body: {exc}") from exc


def json_body(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent(f"body is not JSON: {exc}") from exc


def json_object(body: bytes) -> dict[str, Any]:
    data = json_body(body)
    if not isinstance(data, dict):
        raise InvalidEvent("JSON body must be an object")
    return data


def text(value: object, field: str, *, required: bool = True) -> str | None:
    """A string field, or InvalidEvent naming it."""
    if value is None or value == "":
        if required:
            raise InvalidEvent(f"missing {field}")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidEvent(f"{field} must be a string")
    return str(value)


def mapping(value: object, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidEvent(f"{field} must be an object")
    return value


def items(value: object, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidEvent(f"{field} must be an array")
    return value


def req(value: object, field: str) -> str:
    """A required string field, or InvalidEvent naming it."""
    out = text(value, field)
    if out is None:  # pragma: no cover - text() raised already
        raise InvalidEvent(f"missing {field}")
    return out
