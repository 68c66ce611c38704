"""Outbound webhooks: what Recaudo tells the lender's CRM, signed per Standard Webhooks.

The worker turns records of its own topics (decisions, tasks, deliveries,
payments, responses) into typed events (``catalog``), queues one message per
subscribed endpoint in Redis (``queue``), and a delivery loop of its own
(``delivery``) sends them: at least once, ordered per debtor and endpoint,
with backoff over days, a breaker per endpoint and a dead letter at the end.
The decide stage never waits on an endpoint: it only ever writes to Redis.
"""

from __future__ import annotations

from recaudo.channels.outbound.catalog import EventType, OutboundEvent, events_of
from recaudo.channels.outbound.delivery import DeliveryLoop
from recaudo.channels.outbound.endpoints import Endpoint, EndpointStore
from recaudo.channels.outbound.fanout import FanOut
from recaudo.channels.outbound.queue import Outbox
from recaudo.channels.outbound.signing import Signer, new_secret
from recaudo.channels.outbound.ssrf import UrlGuard

__all__ = [
    "DeliveryLoop",
    "Endpoint",
    "EndpointStore",
    "EventType",
    "FanOut",
    "OutboundEvent",
    "Outbox",
    "Signer",
    "UrlGuard",
    "events_of",
    "new_secret",
]
