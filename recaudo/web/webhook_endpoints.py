"""``/v1/webhook-endpoints``: a tenant's outbound webhook endpoints and their delivery log.

Per-tenant API keys as on every ``/v1`` route: a key sees only its tenant's
endpoints (another tenant's id is a 404). The URL is checked against SSRF here
(https, public addresses, unless the operator's settings allow otherwise) and
again at every delivery. The secret is shown once, in the 201 of the create
and of a rotation; after a rotation the previous secret keeps signing for
``RECAUDO_WEBHOOK_ROTATION_OVERLAP_S``.
"""

from __future__ import annotations

import datetime as dt

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, Field, ValidationError

from recaudo.channels.outbound import Endpoint, EndpointStore, EventType, Outbox, UrlGuard
from recaudo.channels.outbound.queue import DeliveryRecord
from recaudo.foundation.errors import UnsafeUrl
from recaudo.foundation.keys import Keys
from recaudo.web.auth import tenant_of
from recaudo.web.body import read_body
from recaudo.web.keys import REDIS, SETTINGS
from recaudo.web.problems import invalid_body, problem
from recaudo.web.query import int_param, no_unknown
from recaudo.web.stores import stores_answer


class NewEndpoint(BaseModel):
    """An endpoint to register: where, and which event types it wants."""

    model_config = {"extra": "forbid"}

    url: str = Field(min_length=8, max_length=2048, description="https, public address")
    types: list[EventType] = Field(min_length=1, description="Event types to receive")
    description: str | None = Field(default=None, max_length=200)


class EndpointView(BaseModel):
    endpoint_id: str
    url: str
    types: list[EventType]
    description: str | None = None
    created_at: AwareDatetime
    previous_secret_until: AwareDatetime | None = Field(
        default=None, description="Until then, the previous secret also signs (a rotation)"
    )
    dead_letters: int = Field(default=0, description="Messages that exhausted their retries")

    @classmethod
    def of(cls, endpoint: Endpoint, dead: int = 0) -> EndpointView:
        return cls(
            endpoint_id=endpoint.endpoint_id,
            url=endpoint.url,
            types=endpoint.types,
            description=endpoint.description,
            created_at=endpoint.created_at,
            previous_secret_until=endpoint.previous_until,
            dead_letters=dead,
        )


class EndpointCreated(EndpointView):
    secret: str = Field(description="whsec_...: shown only here; verify webhook-signature with it")


class EndpointList(BaseModel):
    tenant_id: str
    endpoints: list[EndpointView]


class DeliveryLog(BaseModel):
    endpoint_id: str
    deliveries: list[DeliveryRecord] = Field(description="Newest first: one entry per attempt")


def _store(request: web.Request) -> EndpointStore:
    return EndpointStore(request.app[REDIS], Keys(request.app[SETTINGS].redis_prefix))


def _outbox(request: web.Request) -> Outbox:
    return Outbox(request.app[REDIS], Keys(request.app[SETTINGS].redis_prefix))


async def _endpoint(request: web.Request, tenant: str) -> Endpoint:
    endpoint_id = request.match_info["endpoint_id"]
    with stores_answer("Redis"):
        endpoint = await _store(request).get(tenant, endpoint_id)
    if endpoint is None:
        raise problem(
            web.HTTPNotFound, "not_found", f"no webhook endpoint {endpoint_id!r}", "endpoint_id"
        )
    return endpoint


async def create_endpoint(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    tenant = tenant_of(request, settings)
    raw = await read_body(request, settings.http_body_timeout_s)
    try:
        body = NewEndpoint.model_validate_json(raw)
    except ValidationError as exc:
        raise invalid_body(exc) from exc
    guard = UrlGuard(
        allow_http=settings.webhook_allow_http, allow_private=settings.webhook_allow_private
    )
    try:
        await guard.check(body.url)
    except UnsafeUrl as exc:
        raise problem(web.HTTPBadRequest, "invalid_parameter", f"url: {exc}", "/url") from exc
    with stores_answer("Redis"):
        endpoint = await _store(request).create(
            tenant, body.url, body.types, body.description, settings.clock().now()
        )
    created = EndpointCreated(**EndpointView.of(endpoint).model_dump(), secret=endpoint.secrets[0])
    return web.json_response(text=created.model_dump_json(), status=201)


async def list_endpoints(request: web.Request) -> web.Response:
    tenant = tenant_of(request, request.app[SETTINGS])
    no_unknown(request, ())
    with stores_answer("Redis"):
        found = await _store(request).list(tenant)
    views = [EndpointView.of(e) for e in found]
    return web.json_response(text=EndpointList(tenant_id=tenant, endpoints=views).model_dump_json())


async def get_endpoint(request: web.Request) -> web.Response:
    tenant = tenant_of(request, request.app[SETTINGS])
    no_unknown(request, ())
    endpoint = await _endpoint(request, tenant)
    with stores_answer("Redis"):
        dead = await _outbox(request).dead_count(tenant, endpoint.endpoint_id)
    return web.json_response(text=EndpointView.of(endpoint, dead).model_dump_json())


async def delete_endpoint(request: web.Request) -> web.Response:
    tenant = tenant_of(request, request.app[SETTINGS])
    endpoint = await _endpoint(request, tenant)
    with stores_answer("Redis"):
        await _store(request).delete(tenant, endpoint.endpoint_id)
    return web.Response(status=204)


async def rotate_secret(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    tenant = tenant_of(request, settings)
    endpoint = await _endpoint(request, tenant)
    overlap = dt.timedelta(seconds=settings.webhook_rotation_overlap_s)
    with stores_answer("Redis"):
        rotated = await _store(request).rotate(
            tenant, endpoint.endpoint_id, settings.clock().now(), overlap
        )
    if rotated is None:  # deleted meanwhile
        raise problem(web.HTTPNotFound, "not_found", "the endpoint was deleted", "endpoint_id")
    created = EndpointCreated(**EndpointView.of(rotated).model_dump(), secret=rotated.secrets[0])
    return web.json_response(text=created.model_dump_json(), status=201)


async def list_deliveries(request: web.Request) -> web.Response:
    tenant = tenant_of(request, request.app[SETTINGS])
    no_unknown(request, ("limit",))
    limit = int_param(request, "limit", 50, 1, 100)
    endpoint = await _endpoint(request, tenant)
    with stores_answer("Redis"):
        records = await _outbox(request).deliveries(tenant, endpoint.endpoint_id, limit)
    log = DeliveryLog(endpoint_id=endpoint.endpoint_id, deliveries=records)
    return web.json_response(text=log.model_dump_json())


def add_webhook_endpoint_routes(app: web.Application) -> None:
    app.router.add_post("/v1/webhook-endpoints", create_endpoint)
    app.router.add_get("/v1/webhook-endpoints", list_endpoints)
    app.router.add_get("/v1/webhook-endpoints/{endpoint_id}", get_endpoint)
    app.router.add_delete("/v1/webhook-endpoints/{endpoint_id}", delete_endpoint)
    app.router.add_post("/v1/webhook-endpoints/{endpoint_id}/secret", rotate_secret)
    app.router.add_get("/v1/webhook-endpoints/{endpoint_id}/deliveries", list_deliveries)
