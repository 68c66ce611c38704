"""Payment providers on the web app: their webhooks and the debtor's page.

Built only when the providers file has a ``payments`` section; without it the
pay link keeps redirecting to the tenant's payment page.
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import redis.asyncio as aioredis
from aiohttp import web

from recaudo.channels.payments import PaymentAccounts, PaymentService, build_providers
from recaudo.channels.payments.base import Publisher
from recaudo.contracts.topics import Topics
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.rules.tenants import TenantPolicies
from recaudo.web.payment_webhooks import add_payment_webhook_routes
from recaudo.web.selfservice import SelfService, add_self_service_routes


def add_payments(
    app: web.Application,
    settings: Settings,
    accounts: PaymentAccounts,
    *,
    publisher: Publisher,
    redis: aioredis.Redis,
    http: Callable[[], aiohttp.ClientSession],
) -> PaymentService:
    service = PaymentService(
        accounts,
        build_providers(accounts, settings.provider_base_url),
        publisher=publisher,
        topics=Topics(settings.topic_prefix),
        redis=redis,
        keys=Keys(settings.redis_prefix),
        dedupe_ttl_s=settings.dedupe_ttl_s,
        now=settings.clock().now,
        http=http,
    )
    add_payment_webhook_routes(app, service)
    policies = TenantPolicies(settings.served_tenants(), settings.policy_dir)
    add_self_service_routes(app, SelfService(settings, policies, service))
    return service
