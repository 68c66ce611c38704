"""Metrics every process exports: process, garbage collector, build, dry run and
HTTP requests.

Both ``recaudo web`` and ``recaudo worker`` call ``process_metrics`` on their
registry and ``add_http_metrics`` on their aiohttp app, so an SRE finds the
same series on every target.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

from recaudo import __version__
from recaudo.foundation.config import Settings
from recaudo.foundation.startup_heap import frozen_objects

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def process_metrics(registry: CollectorRegistry, settings: Settings) -> None:
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    Gauge(
        "recaudo_gc_frozen_objects",
        "Objects left out of garbage collection: the startup heap, frozen once the "
        "process was built (a full collection no longer walks them).",
        registry=registry,
    ).set_function(frozen_objects)
    Gauge(
        "recaudo_build_info",
        "Always 1; the version and environment of this process as labels.",
        ["version", "environment"],
        registry=registry,
    ).labels(__version__, settings.environment).set(1)
    Gauge(
        "recaudo_dry_run",
        "1 when no provider credentials are configured: contacts are recorded, not sent.",
        ["environment"],
        registry=registry,
    ).labels(settings.environment).set(1 if settings.dry_run else 0)


def add_http_metrics(app: web.Application, registry: CollectorRegistry) -> None:
    """Requests by route template (never the raw path: debtor ids are unbounded)."""
    requests = Counter(
        "recaudo_http_requests_total",
        "HTTP requests served, by method, route template and status code.",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "recaudo_http_request_seconds",
        "Time to answer an HTTP request, by route template.",
        ["route"],
        buckets=HTTP_BUCKETS,
        registry=registry,
    )

    @web.middleware
    async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
        info = request.match_info.route.resource
        route = info.canonical if info is not None else "unmatched"
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            latency.labels(route).observe(time.perf_counter() - started)
            requests.labels(request.method, route, str(status)).inc()

    async def prime(app: web.Application) -> None:
        for resource in app.router.resources():
            latency.labels(resource.canonical)

    app.middlewares.append(measure)
    app.on_startup.append(prime)
