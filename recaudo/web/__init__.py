"""``recaudo web``: the HTTP API (events in, timelines out), probes and metrics.

``build_web_app`` is imported on first use: the worker's probe server answers
errors in this package's shape (``web.problems``) without loading the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from recaudo.web.app import build_web_app

__all__ = ["build_web_app"]


def __getattr__(name: str) -> Any:
    if name == "build_web_app":
        from recaudo.web.app import build_web_app

        return build_web_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
