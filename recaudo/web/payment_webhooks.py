"""``POST /webhooks/payments/{provider}``: a provider's signed payment notification.

Answers, as providers expect them: 200 once every payment and reversal in it
is on the broker (or was already; ``published``/``duplicates`` say which), and
for a verified notification we cannot use (kept as a dead letter saying why:
providers retry anything else for days), 400 for a signature that fails or a
body that is no notification at all (Stripe's own guidance), 404 for a provider not
configured, 503 when the broker, Redis or the provider's API (Mercado Pago's
payment read-back) cannot be reached, so the provider retries later. A payment
that names no account of ours is acknowledged and logged (``unmatched``).
"""

from __future__ import annotations

from aiohttp import web
from redis.exceptions import RedisError

from recaudo.channels.payments import PaymentService
from recaudo.channels.webhooks.base import WebhookRequest
from recaudo.foundation.errors import InvalidEvent, ProviderError, SignatureError
from recaudo.web.body import body_media_type, read_body
from recaudo.web.keys import SETTINGS
from recaudo.web.problems import BODY, problem

PAYMENTS = web.AppKey("payments", PaymentService)
SIGNATURE_HEADERS = {"stripe": "Stripe-Signature", "mercadopago": "x-signature"}


async def post_payment_webhook(request: web.Request) -> web.Response:
    service = request.app[PAYMENTS]
    name = request.match_info["provider"]
    provider = service.webhook_provider(name)
    if provider is None:
        raise problem(web.HTTPNotFound, "not_found", f"no payment provider {name!r}", "provider")
    content_type = body_media_type(request)
    body = await read_body(request, request.app[SETTINGS].http_body_timeout_s)
    hook = WebhookRequest(
        method=request.method,
        url=str(request.url),
        headers=request.headers,
        query=request.query,
        body=body,
        content_type=content_type,
    )
    try:
        outcome = await service.receive(provider, hook)
    except SignatureError as exc:
        header = SIGNATURE_HEADERS.get(name)
        raise problem(web.HTTPBadRequest, "invalid_signature", str(exc), header) from None
    except InvalidEvent as exc:
        raise problem(web.HTTPBadRequest, "bad_request", str(exc), BODY) from None
    except (ProviderError, RedisError, OSError) as exc:
        raise problem(
            web.HTTPServiceUnavailable,
            "unavailable",
            f"cannot take the notification now, retry: {type(exc).__name__}",
            headers={"Retry-After": "30"},
        ) from None
    return web.json_response(
        {
            "received": True,
            "published": outcome.published,
            "duplicates": outcome.duplicates,
            "unmatched": outcome.unmatched,
        }
    )


def add_payment_webhook_routes(app: web.Application, service: PaymentService) -> None:
    app[PAYMENTS] = service
    app.router.add_post("/webhooks/payments/{provider}", post_payment_webhook)
