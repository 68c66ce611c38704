"""``GET /v1/reports/outcomes``: the tenant's outcomes against its holdout, and their gauges;
``GET /v1/reports/after-effective-date``: the contacts made after a legal flag's
effective date, for remediation (``streams.reports.after_effective``);
``GET /v1/reports/credit-bureau``: Colombia's earliest credit-bureau reporting date
of each account in arrears (``streams.reports.credit_bureau``). Those two scan
the tenant's states for every call, never cached: a compliance list is read as it
is; calls that arrive together share a scan that began after each of them
(``recaudo.web.shared_scans``).

The key names the tenant, so a caller only ever sees its own debtors. The body
is ``recaudo.streams.reports.OutcomeReport`` (the /ops managers' view reads it).
A background task recomputes the Prometheus gauges every
``RECAUDO_REPORT_REFRESH_S`` seconds; the API and the task share one cached
scan per tenant, so a dashboard and a few readers do not multiply Redis work.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web
from prometheus_client import CollectorRegistry
from pydantic import BaseModel

from recaudo.foundation.clock import Clock
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.rules.tenants import TenantPolicies
from recaudo.streams.reports import ReportSource
from recaudo.streams.reports.after_effective import after_effective
from recaudo.streams.reports.credit_bureau import credit_bureau
from recaudo.streams.reports.metrics import OutcomeMetrics
from recaudo.streams.reports.outcomes import parse_dimensions
from recaudo.streams.reports.source import policy_channel_costs
from recaudo.web.auth import tenant_of
from recaudo.web.keys import SETTINGS
from recaudo.web.problems import problem
from recaudo.web.shared_scans import SharedScans
from recaudo.web.stores import stores_answer

log = logging.getLogger(__name__)
REPORTS = web.AppKey("reports", ReportSource)
OUTCOME_METRICS = web.AppKey("outcome_metrics", OutcomeMetrics)
PARAMETERS = frozenset({"by"})
CACHE_S = 15.0


def _bad_request(message: str, parameter: str) -> web.HTTPException:
    return problem(web.HTTPBadRequest, "invalid_parameter", message, parameter)


async def get_outcomes(request: web.Request) -> web.Response:
    tenant = tenant_of(request, request.app[SETTINGS])
    unknown = sorted(set(request.query) - PARAMETERS)
    if unknown:
        raise _bad_request(f"unknown query parameter {unknown[0]!r}; expected 'by'", unknown[0])
    values = request.query.getall("by", ["arm"])
    try:
        by = parse_dimensions(values)
    except ValueError as exc:
        raise _bad_request(f"by: {exc}", "by") from exc
    if not by:
        raise _bad_request(f"by: {values[0]!r} names no grouping; leave it out for 'arm'", "by")
    with stores_answer("state store"):
        report = await request.app[REPORTS].report(tenant, by)
    return web.Response(
        body=orjson.dumps(report.model_dump(mode="json")), content_type="application/json"
    )


#: A report read by one scan of the tenant's debtor states at the service's time.
ScanReport = Callable[[Any, Keys, str, dt.datetime], Awaitable[BaseModel]]


def scan_report_handler(
    compute: ScanReport, client: Any, keys: Keys, clock: Clock
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A ``GET`` that takes no parameter and answers ``compute`` over ``client``
    (calls arriving while a scan runs share the next one)."""
    shared = SharedScans()

    async def get_scan_report(request: web.Request) -> web.Response:
        tenant = tenant_of(request, request.app[SETTINGS])
        if request.query:
            name = sorted(request.query)[0]
            raise _bad_request(f"unknown query parameter {name!r}; this report takes none", name)
        with stores_answer("state store"):
            found = await shared(tenant, lambda: compute(client, keys, tenant, clock.now()))
        return web.Response(
            body=orjson.dumps(found.model_dump(mode="json")), content_type="application/json"
        )

    return get_scan_report


async def refresh_outcome_metrics(app: web.Application) -> None:
    """Recompute every served tenant's gauges once (by arm)."""
    for tenant in sorted(app[SETTINGS].served_tenants()):
        app[OUTCOME_METRICS].update(await app[REPORTS].report(tenant, ["arm"]))


def add_report_routes(
    app: web.Application, settings: Settings, client: Any, registry: CollectorRegistry
) -> None:
    """Route, shared scan cache, gauges, and the refresh task tied to the app's life."""
    policies = TenantPolicies(settings.served_tenants(), settings.policy_dir)
    app[REPORTS] = ReportSource(
        client,
        Keys(settings.redis_prefix),
        ttl_s=CACHE_S,
        channel_weights=policy_channel_costs(policies),
    )
    app[OUTCOME_METRICS] = OutcomeMetrics(registry)
    app.router.add_get("/v1/reports/outcomes", get_outcomes)
    keys, clock = Keys(settings.redis_prefix), settings.clock()
    app.router.add_get(
        "/v1/reports/after-effective-date",
        scan_report_handler(after_effective, client, keys, clock),
    )
    app.router.add_get(
        "/v1/reports/credit-bureau", scan_report_handler(credit_bureau, client, keys, clock)
    )

    async def refresher(app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(_refresh_until(app, stop, settings.report_refresh_s))
        yield
        # The flag as well as the cancel: a cancel landing inside a Redis call can
        # come out as a connection error, which the loop would otherwise survive.
        stop.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(refresher)


async def _refresh_until(app: web.Application, stop: asyncio.Event, every_s: float) -> None:
    while not stop.is_set():
        try:
            await refresh_outcome_metrics(app)
        except Exception:
            # Redis away or a malformed state: keep the last figures, try again later.
            log.exception("outcome gauges: refresh failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)
