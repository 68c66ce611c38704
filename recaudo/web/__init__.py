"""``recaudo web``: the HTTP API (events in, timelines out), probes and metrics."""

from recaudo.web.app import build_web_app

__all__ = ["build_web_app"]
