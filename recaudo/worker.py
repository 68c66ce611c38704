"""``recaudo worker``: the Faust worker plus its own probe and metrics endpoint."""

from __future__ import annotations

import faust
import mode
import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client import CollectorRegistry

from channels.credentials import load_credentials
from channels.ratelimit import Rate
from channels.runtime import WorkerDispatcher
from recaudo.config import Settings
from recaudo.keys import Keys
from recaudo.probes import add_probe_routes
from streams.app import build_app
from streams.contact_ledger import ContactLedger
from streams.dispatch import Dispatching
from streams.wiring import Wiring, build_wiring


class WorkerHttp(mode.Service):
    """Serves /healthz, /readyz and /metrics for the worker process."""

    def __init__(self, app: faust.App, wiring: Wiring, registry: CollectorRegistry) -> None:
        super().__init__()
        self._faust = app
        self._wiring = wiring
        self._registry = registry
        self._runner: web.AppRunner | None = None

    async def on_start(self) -> None:
        http = web.Application()
        add_probe_routes(
            http,
            self._registry,
            {"redis": self._redis_ready, "consumer": self._consumer_ready},
        )
        self._runner = web.AppRunner(http, access_log=None)
        await self._runner.setup()
        settings = self._wiring.settings
        await web.TCPSite(self._runner, settings.web_host, settings.worker_web_port).start()

    async def on_stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self._wiring.close()

    async def _redis_ready(self) -> bool:
        return bool(await self._wiring.redis.ping())

    async def _consumer_ready(self) -> bool:
        return not self._faust.rebalancing and bool(self._faust.consumer.assignment())


def run_worker(settings: Settings, loglevel: str = "info") -> None:
    registry = CollectorRegistry()

    credentials = load_credentials(settings.providers_file) if settings.providers_file else None

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
        )

    wiring = build_wiring(settings, registry=registry, dispatcher_factory=dispatcher)
    app = build_app(settings, wiring)
    worker = faust.Worker(app, WorkerHttp(app, wiring, registry), loglevel=loglevel)
    worker.execute_from_commandline()
