"""Liveness, readiness and metrics endpoints, shared by the web and worker processes."""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import Awaitable, Callable, Iterable, Mapping

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from recaudo.observability import add_http_metrics
from recaudo.web.body import close_if_unread
from recaudo.web.problems import expect_in_json, json_errors

Check = Callable[[], Awaitable[bool]]


def add_probe_routes(
    app: web.Application,
    registry: CollectorRegistry,
    checks: Mapping[str, Check],
    info: Mapping[str, object] | None = None,
) -> None:
    """``info`` is reported as is on /readyz (e.g. ``dry_run``), never failing it."""

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        results = await asyncio.gather(*(_safe(check) for check in checks.values()))
        status = dict(zip(checks, results, strict=True))
        ready = all(results)
        body = {"ready": ready, "checks": status, **(info or {})}
        return web.json_response(body, status=200 if ready else 503)

    async def metrics(_request: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)


def probe_app(
    registry: CollectorRegistry,
    checks: Mapping[str, Check],
    info: Mapping[str, object] | None = None,
) -> web.Application:
    """The worker's own HTTP server: the probes and metrics alone, counted, and
    errors (an unknown path, a method, an ``Expect``) in the web's JSON shape; a
    body sent to it is read by no one and closes the connection."""
    app = web.Application()
    add_http_metrics(app, registry)
    app.middlewares.append(close_if_unread)
    app.middlewares.append(json_errors)
    expect_in_json(app)
    add_probe_routes(app, registry, checks, info)
    return app


async def _safe(check: Check) -> bool:
    try:
        return await asyncio.wait_for(check(), 2.0)
    except Exception:  # a failing dependency means "not ready", never a 500
        return False


def answers_healthz(ports: Iterable[int], timeout_s: float = 2.0) -> bool:
    """Whether /healthz on loopback answers 200 on any of ``ports``.

    The image's HEALTHCHECK runs this: one check for both the worker (its probe
    port) and the web process, whichever this container runs.
    """
    for port in ports:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout_s) as r:
                if r.status == 200:
                    return True
        except OSError:
            continue
    return False
