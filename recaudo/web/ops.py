"""The operations page's API (issue 23): shared readers and their routes.

One card cache per app (search, call list and "as of" share its scan), the
debtors' journals and readers of the topics they point into, and the
tenants' policies (the call list values a call
with the tenant's targeting settings, as the strategy does).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from aiohttp import web

from recaudo.contracts.topics import Topics
from recaudo.foundation.config import Settings
from recaudo.foundation.kafka_security import client_options
from recaudo.foundation.keys import Keys
from recaudo.foundation.record_reader import RecordReader
from recaudo.rules.tenants import TenantPolicies
from recaudo.streams.journal import TOPIC_OF, Journal
from recaudo.streams.ops import DebtorCards
from recaudo.web.call_list import get_calls
from recaudo.web.conversation import get_conversation
from recaudo.web.keys import CARDS, JOURNAL, JOURNAL_TOPICS, POLICIES
from recaudo.web.overview import get_overview
from recaudo.web.search import search_debtors
from recaudo.web.work_queue import get_queue

#: Seconds a tenant's cards are reused: an agent sees a change within this.
CARDS_TTL_S = 5.0


def add_ops_routes(app: web.Application, settings: Settings, client: aioredis.Redis) -> None:
    keys = Keys(settings.redis_prefix)
    app[CARDS] = DebtorCards(client, keys, ttl_s=CARDS_TTL_S)
    app[JOURNAL] = Journal(client, keys)
    topics = Topics(settings.topic_prefix)
    readers = {
        base: RecordReader(settings.broker_url, topics.name(base), client_options(settings))
        for base in sorted(set(TOPIC_OF.values()))
    }
    app[JOURNAL_TOPICS] = readers

    async def reading(_app: web.Application) -> AsyncIterator[None]:
        # Started after the app's own connections (which make the topics), stopped before.
        for reader in readers.values():
            await reader.start()
        yield
        for reader in readers.values():
            await reader.stop()

    app.cleanup_ctx.append(reading)
    app[POLICIES] = TenantPolicies(settings.served_tenants(), settings.policy_dir)
    app.router.add_get("/v1/ops/overview", get_overview)
    app.router.add_get("/v1/ops/calls", get_calls)
    app.router.add_get("/v1/ops/queue", get_queue)
    app.router.add_get("/v1/debtors", search_debtors)
    app.router.add_get("/v1/debtors/{debtor_id}/conversation", get_conversation)
