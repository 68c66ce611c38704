"""Inbound provider webhooks: verify signatures on raw bytes, normalise, publish.

One module per provider (``twilio``, ``sendgrid``, ``meta``, ``mailgun``,
``sns`` for SES, ``infobip``, ``vonage``, ``standard`` for Standard Webhooks)
holds its verification and normalisation; ``service`` is the shared pipeline
(dedupe, status machine, publish-then-ack) and ``routes`` mounts it.
"""

from recaudo.channels.webhooks.base import InboundMessage, StatusReport, Verifier, WebhookRequest
from recaudo.channels.webhooks.factory import build_verifiers
from recaudo.channels.webhooks.routes import WEBHOOKS, add_webhook_routes, webhook_counter
from recaudo.channels.webhooks.service import WebhookService

__all__ = [
    "WEBHOOKS",
    "InboundMessage",
    "StatusReport",
    "Verifier",
    "WebhookRequest",
    "WebhookService",
    "add_webhook_routes",
    "build_verifiers",
    "webhook_counter",
]
