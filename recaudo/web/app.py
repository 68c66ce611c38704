"""The aiohttp application of ``recaudo web``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter

from recaudo.channels.credentials import load_credentials
from recaudo.channels.dedupe import Deduper
from recaudo.channels.directory import ContactDirectory
from recaudo.channels.status_machine import StatusMachine
from recaudo.channels.voice.amd import ScriptStore
from recaudo.channels.voice.routes import add_voice_routes
from recaudo.channels.webhooks import (
    WebhookService,
    add_webhook_routes,
    build_verifiers,
    webhook_counter,
)
from recaudo.channels.webhooks.sns import http_fetcher
from recaudo.contracts.topics import Topics
from recaudo.dashboards import OPS_PAGE
from recaudo.foundation.broker_watch import BrokerWatch
from recaudo.foundation.config import Settings
from recaudo.foundation.kafka import KafkaPublisher
from recaudo.foundation.kafka_security import client_options, ensure_settings_topics
from recaudo.foundation.keys import Keys
from recaudo.foundation.record_reader import RecordReader
from recaudo.foundation.redis_client import connect, connect_probe
from recaudo.foundation.state_marker import StateMarker
from recaudo.observability import add_http_metrics, process_metrics
from recaudo.probes import add_probe_routes
from recaudo.streams.event_ids import EventDigests
from recaudo.streams.store import StateStore
from recaudo.streams.tasks import TaskStore
from recaudo.streams.wiring import pay_links
from recaudo.web.body import close_if_unread
from recaudo.web.broker_guard import broker_guard
from recaudo.web.debtor import get_debtor
from recaudo.web.docs import get_docs
from recaudo.web.events_api import post_events
from recaudo.web.imports_api import post_import
from recaudo.web.keys import (
    BROKER_WATCH,
    DECISIONS,
    DIGESTS,
    HTTP_EVENTS,
    POLICIES,
    PUBLISHER,
    REDIS,
    REGISTRY,
    SETTINGS,
    STORE,
    TASKS,
    TENANT_SLOTS,
    TOPICS,
)
from recaudo.web.openapi import get_openapi
from recaudo.web.ops import add_ops_routes
from recaudo.web.pay import add_pay_routes
from recaudo.web.payments import add_payments
from recaudo.web.problems import expect_in_json, json_errors
from recaudo.web.reports import add_report_routes
from recaudo.web.security import page_headers
from recaudo.web.tasks_api import add_task_routes
from recaudo.web.timeline import get_timeline
from recaudo.web.webhook_endpoints import add_webhook_endpoint_routes

MAX_BODY_BYTES = 4 * 1024 * 1024


OPS_HEADERS = page_headers(OPS_PAGE)


async def ops_page(_request: web.Request) -> web.FileResponse:
    """The operations page: static, it reads the API with the key the user types."""
    return web.FileResponse(OPS_PAGE, headers=OPS_HEADERS)


def build_web_app(settings: Settings, registry: CollectorRegistry | None = None) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    registry = registry or CollectorRegistry()
    app[SETTINGS] = settings
    if settings.data_dir:
        # File intake's scratch folders go there (imports_api): a data folder not
        # made yet (a fresh volume, a new setting) is made now, not a 500 later.
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    app[REGISTRY] = registry
    app[TOPICS] = Topics(settings.topic_prefix)
    app[HTTP_EVENTS] = Counter(
        "recaudo_http_events_total",
        "Events received on POST /v1/events, by outcome (accepted, rejected).",
        ["outcome"],
        registry=registry,
    )
    for outcome in ("accepted", "rejected"):
        app[HTTP_EVENTS].labels(outcome)
    process_metrics(registry, settings)
    add_http_metrics(app, registry)
    # A body no one read closes the connection, whatever answered (web.body).
    app.middlewares.append(close_if_unread)
    # Inside the metrics: they count the status the client gets, once shaped.
    app.middlewares.append(json_errors)
    # aiohttp refuses an unknown Expect before any middleware: shaped on the routes.
    expect_in_json(app)
    client = connect(settings)
    app[REDIS] = client
    probe = connect_probe(settings)
    watch = BrokerWatch(settings, client, Keys(settings.redis_prefix), registry)

    app.middlewares.append(broker_guard(watch))
    app[BROKER_WATCH] = watch
    # Event-id claims are stamped and aged by the decision clock, as the worker's.
    clock = settings.clock()
    app[STORE] = StateStore(client, Keys(settings.redis_prefix), settings.dedupe_ttl_s, clock=clock)
    app[TENANT_SLOTS] = {}
    app[TASKS] = TaskStore(client, Keys(settings.redis_prefix))
    app[DIGESTS] = EventDigests(
        client, Keys(settings.redis_prefix), settings.dedupe_ttl_s, clock=clock
    )
    publisher = KafkaPublisher(settings.broker_url, client_options(settings))
    app[PUBLISHER] = publisher
    decisions = RecordReader(settings.broker_url, app[TOPICS].decisions, client_options(settings))
    app[DECISIONS] = decisions

    async def connections(_app: web.Application) -> AsyncIterator[None]:
        await ensure_settings_topics(settings, app[TOPICS].all)
        await publisher.start()
        await decisions.start()
        sessions.append(aiohttp.ClientSession())
        await watch.check_once()
        watching = asyncio.create_task(watch.run())
        yield
        watching.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watching
        await watch.close()
        await sessions.pop().close()
        await decisions.stop()
        await publisher.stop()
        await client.aclose()
        await probe.aclose()

    async def redis_ready() -> bool:
        return bool(await probe.ping())

    app.cleanup_ctx.append(connections)
    # Ready means intake can work: the broker to produce to, and Redis for the
    # event-id conflict and payment-currency checks. Nothing the worker owns.
    # Redis is asked on the probe's own connections: a busy intake pool is not
    # a Redis outage (see ``connect_probe``).
    marker = StateMarker(probe, Keys(settings.redis_prefix), registry)
    add_probe_routes(
        app,
        registry,
        {
            "redis": redis_ready,
            "broker": publisher.connected,
            "redis_state": marker.present,
            "broker_data": watch.ready,
        },
        {"dry_run": settings.dry_run},
    )
    # SES notifications are verified with certificates fetched over HTTPS (from
    # the pinned SNS hosts only); the session lives with the app.
    sessions: list[aiohttp.ClientSession] = []

    async def fetch_certificate(url: str) -> bytes:
        return await http_fetcher(sessions[0])(url)

    if settings.providers_file:
        keys = Keys(settings.redis_prefix)
        ttl = settings.contact_ttl_s
        credentials = load_credentials(settings.providers_file)
        service = WebhookService(
            build_verifiers(credentials, sns_fetcher=fetch_certificate),
            publisher=publisher,
            deduper=Deduper(client, keys, ttl),
            machine=StatusMachine(client, keys, ttl),
            directory=ContactDirectory(
                client, keys, ttl, settings.sender_tenants(), clock=settings.clock()
            ),
            public_base_url=settings.public_base_url,
            topics=app[TOPICS],
            body_timeout_s=settings.http_body_timeout_s,
            clock=settings.clock().now,
        )
        add_webhook_routes(app, service, registry)
        # Calls' answer webhooks: the scripts the worker kept in Redis, chosen by detection.
        add_voice_routes(
            app,
            credentials,
            ScriptStore(client, keys),
            settings.public_base_url,
            settings.http_body_timeout_s,
        )
        if credentials.payments is not None:
            add_payments(
                app,
                settings,
                credentials.payments,
                publisher=publisher,
                redis=client,
                http=lambda: sessions[0],
            )
    else:
        webhook_counter(registry)  # no webhooks in a dry run; the dashboard's metric exists
    app.router.add_post("/v1/events", post_events)
    app.router.add_post("/v1/imports", post_import)
    app.router.add_get("/v1/debtors/{debtor_id}/timeline", get_timeline)
    app.router.add_get("/v1/debtors/{debtor_id}", get_debtor)
    app.router.add_get("/v1/openapi.json", get_openapi)
    app.router.add_get("/docs", get_docs)
    add_task_routes(app)
    add_webhook_endpoint_routes(app)
    app.router.add_get("/ops", ops_page)
    add_report_routes(app, settings, client, registry)
    add_ops_routes(app, settings, client)
    # Reads only (a click never writes the directory), so its TTL is unused. A
    # click fills the tenant's payment page as the served policy has it now.
    policies = app[POLICIES]
    pay_directory = ContactDirectory(
        client,
        Keys(settings.redis_prefix),
        settings.contact_ttl_s,
        payment_pages=lambda tenant: policies(tenant).sender.payment_url,
    )
    add_pay_routes(app, pay_links(settings), pay_directory)
    return app
