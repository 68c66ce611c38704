"""Objects shared through the aiohttp application, typed with ``web.AppKey``."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter

from recaudo.config import Settings
from streams.publisher import Publisher
from streams.store import StateStore
from streams.topics import Topics

SETTINGS = web.AppKey("settings", Settings)
PUBLISHER = web.AppKey("publisher", Publisher)
STORE = web.AppKey("store", StateStore)
TOPICS = web.AppKey("topics", Topics)
REGISTRY = web.AppKey("registry", CollectorRegistry)
HTTP_EVENTS = web.AppKey("http_events", Counter)
