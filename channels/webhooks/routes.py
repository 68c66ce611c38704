"""Mount ``POST /webhooks/{provider}`` (and the GET handshake) on an aiohttp app."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter

from recaudo.channels.webhooks.service import WebhookService

WEBHOOKS = web.AppKey("recaudo_webhooks", WebhookService)
# The statuses the service answers with; created at 0 for every configured provider.
STATUSES = ("200", "400", "401", "403", "404", "413", "503")


def webhook_counter(registry: CollectorRegistry | None, providers: Iterable[str] = ()) -> Counter:
    """``recaudo_webhooks_total``, each provider's statuses at 0. A dry run has no
    providers and no routes, but registers it, so the dashboard queries a metric
    that exists (dashboards' test reads a dry run's /metrics)."""
    outcomes = Counter(
        "recaudo_webhooks_total",
        "Provider webhooks received, by provider and the HTTP status answered.",
        ["provider", "status"],
        registry=registry,
    )
    for name in providers:
        for status in STATUSES:
            outcomes.labels(name, status)
    return outcomes


def add_webhook_routes(
    app: web.Application, service: WebhookService, registry: CollectorRegistry | None = None
) -> None:
    """Register the routes; the service is stored under ``WEBHOOKS`` for other handlers."""
    app[WEBHOOKS] = service
    outcomes = webhook_counter(registry, service.verifiers)

    async def post(request: web.Request) -> web.Response:
        response = await request.app[WEBHOOKS].handle(request)
        provider = request.match_info.get("provider", "")
        if provider in request.app[WEBHOOKS].verifiers:  # unknown names: unbounded labels
            outcomes.labels(provider, str(response.status)).inc()
        return response

    async def get(request: web.Request) -> web.Response:
        return await request.app[WEBHOOKS].handshake(request)

    app.router.add_post("/webhooks/{provider}", post)
    app.router.add_get("/webhooks/{provider}", get)
