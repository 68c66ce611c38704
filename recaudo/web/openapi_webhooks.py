"""The outbound webhook endpoints' operations in the OpenAPI document (issue 24).

Beside ``openapi`` so that module stays a readable size; the models are the
handlers' own. Every status each route can answer is listed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from recaudo.web.openapi_parts import AUTH_ERRORS, BROKER_GONE, REF, SLOW_BODY, TOO_LARGE
from recaudo.web.openapi_parts import json_response as _json
from recaudo.web.webhook_endpoints import (
    DeliveryLog,
    EndpointCreated,
    EndpointList,
    EndpointView,
    NewEndpoint,
)

MODELS: tuple[type[BaseModel], ...] = (
    NewEndpoint,
    EndpointView,
    EndpointCreated,
    EndpointList,
    DeliveryLog,
)
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
ENDPOINT_ID = {"name": "endpoint_id", "in": "path", "required": True, "schema": {"type": "string"}}
NOT_FOUND = {"404": _json("Error", "No such endpoint for this tenant")}
REDIS_DOWN = {"503": _json("Error", "Redis does not answer; retry")}
DESCRIPTION = (
    "Events go out as POST requests signed per Standard Webhooks (`webhook-id`, "
    "`webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>` over "
    "`id.timestamp.body` with the endpoint's `whsec_` secret); the body is "
    '`{"type", "timestamp", "data"}`. At least once (dedupe on `webhook-id`), in '
    "order per debtor, retried with backoff for 3 days, then dead-lettered "
    "(`recaudo webhooks replay`)."
)

PATHS: dict[str, Any] = {
    "/v1/webhook-endpoints": {
        "post": {
            "summary": "Register an outbound webhook endpoint",
            "description": DESCRIPTION,
            "operationId": "createWebhookEndpoint",
            "security": SECURITY,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": REF.format(model="NewEndpoint")}}
                },
            },
            "responses": {
                "201": _json("EndpointCreated", "Registered; the secret is shown only here"),
                "400": _json("Error", "A malformed body, or a URL refused (scheme, address)"),
                **AUTH_ERRORS,
                **SLOW_BODY,
                **TOO_LARGE,
                **BROKER_GONE,
            },
        },
        "get": {
            "summary": "The tenant's webhook endpoints",
            "operationId": "listWebhookEndpoints",
            "security": SECURITY,
            "responses": {
                "200": _json("EndpointList", "Oldest first"),
                "400": _json("Error", "An unknown query parameter"),
                **AUTH_ERRORS,
                **REDIS_DOWN,
            },
        },
    },
    "/v1/webhook-endpoints/{endpoint_id}": {
        "get": {
            "summary": "One webhook endpoint, with its dead-letter count",
            "operationId": "getWebhookEndpoint",
            "security": SECURITY,
            "parameters": [ENDPOINT_ID],
            "responses": {
                "200": _json("EndpointView", "The endpoint"),
                "400": _json("Error", "An unknown query parameter"),
                **NOT_FOUND,
                **AUTH_ERRORS,
                **REDIS_DOWN,
            },
        },
        "delete": {
            "summary": "Remove a webhook endpoint; its queued messages are dropped",
            "operationId": "deleteWebhookEndpoint",
            "security": SECURITY,
            "parameters": [ENDPOINT_ID],
            "responses": {
                "204": {"description": "Removed"},
                **NOT_FOUND,
                **AUTH_ERRORS,
                **BROKER_GONE,
            },
        },
    },
    "/v1/webhook-endpoints/{endpoint_id}/secret": {
        "post": {
            "summary": "Rotate the signing secret; the previous one signs for the overlap",
            "operationId": "rotateWebhookSecret",
            "security": SECURITY,
            "parameters": [ENDPOINT_ID],
            "responses": {
                "201": _json("EndpointCreated", "The new secret, shown only here"),
                **NOT_FOUND,
                **AUTH_ERRORS,
                **BROKER_GONE,
            },
        },
    },
    "/v1/webhook-endpoints/{endpoint_id}/deliveries": {
        "get": {
            "summary": "The endpoint's delivery log: the last attempts, newest first",
            "operationId": "listWebhookDeliveries",
            "security": SECURITY,
            "parameters": [
                ENDPOINT_ID,
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                },
            ],
            "responses": {
                "200": _json("DeliveryLog", "Status, latency and attempt of each"),
                "400": _json("Error", "A malformed limit, or an unknown query parameter"),
                **NOT_FOUND,
                **AUTH_ERRORS,
                **REDIS_DOWN,
            },
        },
    },
}
