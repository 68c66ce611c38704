"""Mount ``POST /webhooks/{provider}`` (and the GET handshake) on an aiohttp app."""

from __future__ import annotations

from aiohttp import web

from recaudo.channels.webhooks.service import WebhookService

WEBHOOKS = web.AppKey("recaudo_webhooks", WebhookService)


def add_webhook_routes(app: web.Application, service: WebhookService) -> None:
    """Register the routes; the service is stored under ``WEBHOOKS`` for other handlers."""
    app[WEBHOOKS] = service

    async def post(request: web.Request) -> web.Response:
        return await request.app[WEBHOOKS].handle(request)

    async def get(request: web.Request) -> web.Response:
        return await request.app[WEBHOOKS].handshake(request)

    app.router.add_post("/webhooks/{provider}", post)
    app.router.add_get("/webhooks/{provider}", get)
