"""The whole service on one machine: broker, Redis, sandbox providers, web, worker.

The sandbox also plays the payment providers behind the pay link (Stripe,
Mercado Pago, PIX in test mode). ``recaudo demo`` runs on it and so does the
end-to-end test of the contact loop, so what the demo shows is what the test
proves. Everything listens on loopback; the sandbox speaks the providers'
wire formats and signs its webhooks with the credentials the web process
verifies. It leaves nothing
behind: its Redis is a private server on a free port (never the one on
6379, which may hold someone's data) and its work folder, unless given, is
removed on exit.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faust
from aiohttp import web
from prometheus_client import CollectorRegistry

from recaudo.channels.credentials import dump_credentials
from recaudo.channels.sandbox import Sandbox, sandbox_credentials
from recaudo.channels.sandbox.payments_api import PaymentsSandbox
from recaudo.embedded import Managed, free_port, start_broker, start_redis
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.foundation.config import Settings
from recaudo.processes import Process, start_worker
from recaudo.web import build_web_app

TENANT = "demo"
API_KEY = "demo-key"


def local_settings(broker_url: str, redis_url: str, prefix: str, **overrides: object) -> Settings:
    """Settings for the tansu dev broker on loopback, every name under ``prefix``.

    Short group timeouts, or each start waits ~30 s for the group join; a short
    fetch wait, see ``streams/transport.py``. Faust's data folder goes to the
    temporary directory, not ``<app id>-data`` in whatever folder the worker runs.
    """
    values: dict[str, object] = {
        "app_id": prefix,
        "broker_url": broker_url,
        "redis_url": redis_url,
        "redis_prefix": prefix,
        "topic_prefix": f"{prefix}-",
        "topic_partitions": 4,
        "broker_session_timeout_s": 6.0,
        "broker_rebalance_timeout_s": 6.0,
        "broker_heartbeat_interval_s": 1.0,
        "broker_commit_interval_s": 1.0,
        "broker_fetch_max_wait_ms": 20,
        "data_dir": str(Path(tempfile.gettempdir()) / f"recaudo-{prefix}-data"),
    }
    values.update(overrides)
    return Settings.model_validate(values)


def bare_faust_app(
    app_id: str,
    broker_url: str,
    datadir: str,
    partitions: int,
    app_type: type[faust.App] = faust.App,
    **overrides: Any,
) -> faust.App:
    """A Faust app on the dev broker with nothing of ours in it: raw keys and values,
    the group timeouts of ``local_settings``, acks from every replica. The
    benchmarks' passthrough and the tests of ``streams.agent_batches`` run one;
    ``app_type`` puts it on the workers' transport (``streams.transport``)."""
    options: dict[str, Any] = {
        "store": "memory://",
        "web_enabled": False,
        "topic_partitions": partitions,
        "topic_replication_factor": 1,
        "broker_session_timeout": 6,
        "broker_rebalance_timeout": 6,
        "broker_heartbeat_interval": 1,
        "consumer_auto_offset_reset": "earliest",
        "producer_acks": -1,
        "key_serializer": "raw",
        "value_serializer": "raw",
    }
    options.update(overrides)
    return app_type(app_id, broker=broker_url, datadir=datadir, **options)


@dataclass
class Stack:
    settings: Settings
    sandbox: Sandbox
    #: The pay link's checkout providers (Stripe, Mercado Pago, PIX) in test mode.
    payments: PaymentsSandbox
    worker: Process
    workdir: Path
    api_key: str = API_KEY

    @property
    def web_url(self) -> str:
        return self.settings.public_base_url

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@contextlib.asynccontextmanager
async def local_stack(
    *,
    web_port: int | None = None,
    workdir: Path | None = None,
    policy_dir: str | None = None,
    log_format: str = "json",
    overrides: Mapping[str, object] | None = None,
    tenant: str = TENANT,
    api_key: str = API_KEY,
    clock: Clock = WALL_CLOCK,
) -> AsyncIterator[Stack]:
    """``clock`` is the providers' (the sandbox's): the one ``overrides`` simulate, if any,
    so the webhooks' event times agree with the worker's clock."""
    prefix = f"demo{uuid.uuid4().hex[:6]}"
    web_port = web_port or free_port()
    public = f"http://127.0.0.1:{web_port}"
    creds, signing_key = sandbox_credentials()
    assert creds.payments is not None
    async with contextlib.AsyncExitStack() as stack:
        if workdir is None:
            workdir = Path(tempfile.mkdtemp(prefix="recaudo-stack-"))
            stack.callback(shutil.rmtree, workdir, ignore_errors=True)  # runs last
        providers_file = workdir / "providers.json"
        providers_file.write_bytes(dump_credentials(creds))
        providers_file.chmod(0o600)
        broker: Managed = start_broker()
        stack.callback(broker.stop)
        store = start_redis()
        stack.callback(store.stop)
        sandbox = Sandbox(
            creds, sendgrid_private_key=signing_key, webhook_base_url=public, clock=clock
        )
        payments = PaymentsSandbox(creds.payments, public, clock=clock)
        sandbox.mounts.append(payments.add_routes)  # one provider address for all
        await sandbox.start()
        stack.push_async_callback(sandbox.stop)
        await payments.served_at(sandbox.url)
        stack.push_async_callback(payments.close)
        settings = local_settings(
            broker.url,
            store.url,
            prefix,
            tenants=tenant,
            api_keys=f"{tenant}:{api_key}",
            providers_file=str(providers_file),
            provider_base_url=sandbox.url,
            public_base_url=public,
            web_port=web_port,
            policy_dir=policy_dir,
            schedule_tick_s=0.5,
            log_format=log_format,
            **(overrides or {}),
        )
        runner = web.AppRunner(build_web_app(settings, CollectorRegistry()), access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        await web.TCPSite(runner, "127.0.0.1", web_port).start()
        worker = await start_worker(settings, workdir / "worker.log")
        stack.callback(worker.stop)
        yield Stack(settings, sandbox, payments, worker, workdir, api_key)
