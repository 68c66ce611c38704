"""``recaudo worker``: the Faust worker plus its own probe and metrics endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from typing import Any, cast

import faust
import mode
import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client import CollectorRegistry

from recaudo.channels.breaker import Breakers
from recaudo.channels.credentials import ProviderCredentials, load_credentials
from recaudo.channels.dispatch.ledger import ContactLedger
from recaudo.channels.dispatch.runtime import WorkerDispatcher
from recaudo.channels.dispatch.stage import Dispatching
from recaudo.channels.metrics import ProviderMetrics
from recaudo.channels.ratelimit import Rate
from recaudo.foundation.broker_watch import BrokerWatch
from recaudo.foundation.config import Settings
from recaudo.foundation.kafka_security import group_has_offsets
from recaudo.foundation.keys import Keys
from recaudo.foundation.startup_heap import freeze_startup_heap
from recaudo.observability import process_metrics
from recaudo.probes import probe_app
from recaudo.rules.tenants import TenantPolicies
from recaudo.streams.app import build_app
from recaudo.streams.lag import ConsumerLag
from recaudo.streams.wiring import Wiring, build_wiring

EXIT_SHUTDOWN_TIMEOUT = 75
SENDERS = ("twilio", "sendgrid", "meta", "mailgun", "infobip", "vonage")


def provider_names(credentials: ProviderCredentials | None) -> list[str]:
    """The providers contacts can go to: those with credentials, else the recorder."""
    if credentials is None:
        return ["recording"]
    return [name for name in SENDERS if getattr(credentials, name, None) is not None]


class WorkerHttp(mode.Service):
    """Serves /healthz, /readyz and /metrics for the worker process."""

    def __init__(self, app: faust.App, wiring: Wiring, registry: CollectorRegistry) -> None:
        super().__init__()
        self._faust = app
        self._wiring = wiring
        self._registry = registry
        self._runner: web.AppRunner | None = None
        settings = wiring.settings
        self._watch = BrokerWatch(settings, wiring.redis, wiring.keys, registry)
        self._watching: asyncio.Task[None] | None = None
        # Faust's assignor gives a worker at most ceil(partitions / workers) of
        # the copartitioned topics, so with more workers than that allows one
        # joins with nothing to read: a standby, ready to take partitions over
        # at the next rebalance. Ready means "joined and not rebalancing", not
        # "owns partitions", or a standby fails readiness for ever and a
        # rolling deploy waiting on it stalls.
        self._joined = False
        # mode types receivers with mypy_extensions' NamedArg, which mypy does
        # not match against a keyword-only parameter: hence the cast.
        app.on_partitions_assigned.connect(cast(Any, self._on_assigned))

    async def on_start(self) -> None:
        http = probe_app(
            self._registry,
            {
                "redis": self._redis_ready,
                "consumer": self._consumer_ready,
                "redis_state": self._state_ready,
                "broker_data": self._watch.ready,
            },
            {"dry_run": self._wiring.settings.dry_run},
        )
        self._runner = web.AppRunner(http, access_log=None)
        await self._runner.setup()
        settings = self._wiring.settings
        await web.TCPSite(self._runner, settings.worker_host, settings.worker_web_port).start()

        if self._wiring.marker is not None:
            topics = [*self._wiring.topics.decision_inputs, self._wiring.topics.contacts]
            await self._wiring.marker.init_first_start(
                lambda: group_has_offsets(settings, settings.app_id, topics)
            )
        await self._watch.check_once()
        self._watching = asyncio.create_task(self._watch.run())

    async def _state_ready(self) -> bool:
        return self._wiring.marker is None or await self._wiring.marker.present()

    async def on_stop(self) -> None:
        if self._watching is not None:
            self._watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watching
        if self._runner is not None:
            await self._runner.cleanup()
        await self._wiring.close()

    async def _redis_ready(self) -> bool:
        return bool(await self._wiring.redis.ping())

    def _on_assigned(self, _app: Any, *_args: Any, signal: Any, **_kwargs: Any) -> None:
        # A plain function: mode's Signal awaits a receiver's result only if it is awaitable.
        self._joined = True

    async def _consumer_ready(self) -> bool:
        if self._faust.rebalancing:
            return False
        return self._joined or bool(self._faust.consumer.assignment())


class Worker(faust.Worker):
    """Faust's worker with a deadline on shutdown.

    A worker told to stop after its broker went away waited in Faust's shutdown
    forever (seen with py-spy, idle in ``stop_and_shutdown``). Whatever it has
    not acked is replayed by the partitions' next owner, so past the deadline
    it simply exits.
    """

    def __init__(self, *args: Any, shutdown_deadline_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shutdown_deadline_s = shutdown_deadline_s

    def _arm_deadline(self) -> None:
        timer = threading.Timer(self.shutdown_deadline_s, os._exit, args=(EXIT_SHUTDOWN_TIMEOUT,))
        timer.daemon = True
        timer.start()

    def _on_sigterm(self) -> None:
        self._arm_deadline()
        super()._on_sigterm()

    def _on_sigint(self) -> None:
        self._arm_deadline()
        super()._on_sigint()


def run_worker(settings: Settings, loglevel: str = "info") -> None:
    registry = CollectorRegistry()
    process_metrics(registry, settings)
    credentials = load_credentials(settings.providers_file) if settings.providers_file else None
    breakers = Breakers()
    provider_metrics = ProviderMetrics(registry, provider_names(credentials), breakers)
    clock = settings.clock()

    def dispatcher(client: aioredis.Redis, keys: Keys, ledger: ContactLedger) -> Dispatching:
        return WorkerDispatcher(
            client,
            keys,
            ledger,
            credentials=credentials,
            provider_base_url=settings.provider_base_url,
            webhook_base_url=settings.public_base_url,
            ttl_s=settings.contact_ttl_s,
            rates={name: Rate(per_s, burst) for name, (per_s, burst) in settings.rates().items()},
            metrics=provider_metrics,
            breakers=breakers,
            policies=TenantPolicies(settings.served_tenants(), settings.policy_dir),
            clock=clock,
        )

    wiring = build_wiring(settings, registry=registry, dispatcher_factory=dispatcher, clock=clock)
    app = build_app(settings, wiring)
    registry.register(ConsumerLag(app))
    worker = Worker(
        app,
        WorkerHttp(app, wiring, registry),
        loglevel=loglevel,
        override_logging=False,  # recaudo.logs configured it: JSON lines
        quiet=True,  # no banner or spinner on stdout between the JSON lines
        shutdown_deadline_s=settings.shutdown_deadline_s,
    )
    freeze_startup_heap()
    worker.execute_from_commandline()
