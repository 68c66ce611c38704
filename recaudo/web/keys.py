"""Objects shared through the aiohttp application, typed with ``web.AppKey``."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter

from recaudo.contracts.publisher import Publisher
from recaudo.contracts.topics import Topics
from recaudo.foundation.broker_watch import BrokerWatch
from recaudo.foundation.config import Settings
from recaudo.foundation.record_reader import RecordReader
from recaudo.rules.tenants import TenantPolicies
from recaudo.streams.event_ids import EventDigests
from recaudo.streams.journal import Journal
from recaudo.streams.ops import DebtorCards
from recaudo.streams.store import StateStore
from recaudo.streams.tasks import TaskStore

SETTINGS = web.AppKey("settings", Settings)
# The POST guard's watch: ``POST /v1/imports`` confirms each chunk with it.
BROKER_WATCH = web.AppKey("broker_watch", BrokerWatch)
PUBLISHER = web.AppKey("publisher", Publisher)
STORE = web.AppKey("store", StateStore)
TOPICS = web.AppKey("topics", Topics)
REGISTRY = web.AppKey("registry", CollectorRegistry)
HTTP_EVENTS = web.AppKey("http_events", Counter)
DIGESTS = web.AppKey("digests", EventDigests)
TENANT_SLOTS = web.AppKey("tenant_slots", dict[str, asyncio.Semaphore])
REDIS = web.AppKey("redis", aioredis.Redis)
TASKS = web.AppKey("tasks", TaskStore)
#: The decisions topic, read at the positions a timeline points to.
DECISIONS = web.AppKey("decisions", RecordReader)
#: The operations page's reads (issue 23): tenants' debtor cards, conversations, policies.
CARDS = web.AppKey("cards", DebtorCards)
JOURNAL = web.AppKey("journal", Journal)
#: The topics a journal points into (``streams.journal.TOPIC_OF``), by base name.
JOURNAL_TOPICS = web.AppKey("journal_topics", dict[str, RecordReader])
POLICIES = web.AppKey("policies", TenantPolicies)
