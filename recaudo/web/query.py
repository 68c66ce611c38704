"""Query parameters read the same way by every ``/v1`` read: unknown ones and
malformed values are a 400 naming the parameter."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from recaudo.web.problems import problem


def no_unknown(request: web.Request, known: Iterable[str]) -> None:
    unknown = sorted(set(request.query) - set(known))
    if unknown:
        raise problem(
            web.HTTPBadRequest,
            "invalid_parameter",
            f"unknown query parameter {unknown[0]!r}",
            unknown[0],
        )


def int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise problem(
            web.HTTPBadRequest,
            "invalid_parameter",
            f"{name}: {raw!r} is not an integer from {low} to {high}",
            name,
        )
    return value
