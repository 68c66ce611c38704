"""Fixtures for the channels tests: real Redis with a unique key prefix, an
in-memory publisher, the webhook routes on a loopback server, the sandbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import orjson
import pytest
import redis.asyncio as aioredis
from aiohttp import test_utils, web
from cryptography.hazmat.primitives.asymmetric import ec

from channels.credentials import ProviderCredentials
from channels.dedupe import Deduper
from channels.directory import ContactDirectory
from channels.sandbox import Sandbox, sandbox_credentials
from channels.status_machine import StatusMachine
from channels.webhooks import WebhookService, add_webhook_routes, build_verifiers
from channels.webhooks.base import Verifier
from recaudo.embedded import free_port
from recaudo.keys import Keys
from streams.contact_ledger import ContactLedger

REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass
class FakePublisher:
    """Unit-test stand-in for the broker: records, or fails while ``fail`` is set."""

    records: list[tuple[str, str, dict[str, object]]] = field(default_factory=list)
    fail: bool = False

    async def publish(self, topic: str, key: str, value: bytes) -> None:
        if self.fail:
            raise OSError("broker unavailable")
        self.records.append((topic, key, orjson.loads(value)))

    def on(self, topic: str) -> list[dict[str, object]]:
        return [value for t, _, value in self.records if t == topic]


@pytest.fixture
async def redis_client() -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
async def keys(redis_client: aioredis.Redis) -> AsyncIterator[Keys]:
    prefix = f"test-ch-{uuid.uuid4().hex[:10]}"
    yield Keys(prefix=prefix)
    found = [k async for k in redis_client.scan_iter(match=f"{prefix}:*", count=500)]
    if found:
        await redis_client.delete(*found)


@pytest.fixture
def ledger(redis_client: aioredis.Redis, keys: Keys) -> ContactLedger:
    return ContactLedger(redis_client, keys, ttl_s=600)


@pytest.fixture
def directory(redis_client: aioredis.Redis, keys: Keys) -> ContactDirectory:
    return ContactDirectory(redis_client, keys, ttl_s=600)


@pytest.fixture
def deduper(redis_client: aioredis.Redis, keys: Keys) -> Deduper:
    return Deduper(redis_client, keys, ttl_s=600)


@pytest.fixture
def machine(redis_client: aioredis.Redis, keys: Keys) -> StatusMachine:
    return StatusMachine(redis_client, keys, ttl_s=600)


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


@pytest.fixture(scope="session")
def sandbox_creds() -> tuple[ProviderCredentials, ec.EllipticCurvePrivateKey]:
    return sandbox_credentials()


@dataclass
class Hooks:
    """The webhook routes running on loopback, with what they published."""

    client: test_utils.TestClient[web.Request, web.Application]
    service: WebhookService
    publisher: FakePublisher
    base_url: str


async def start_hooks(
    verifiers: list[Verifier],
    publisher: FakePublisher,
    deduper: Deduper,
    machine: StatusMachine,
    directory: ContactDirectory,
    max_body_bytes: int = 1 << 20,
) -> Hooks:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    service = WebhookService(
        verifiers,
        publisher=publisher,
        deduper=deduper,
        machine=machine,
        directory=directory,
        public_base_url=base_url,
        max_body_bytes=max_body_bytes,
    )
    app = web.Application()
    add_webhook_routes(app, service)
    client = test_utils.TestClient(test_utils.TestServer(app, host="127.0.0.1", port=port))
    await client.start_server()
    return Hooks(client, service, publisher, base_url)


@pytest.fixture
async def hooks(
    sandbox_creds: tuple[ProviderCredentials, ec.EllipticCurvePrivateKey],
    publisher: FakePublisher,
    deduper: Deduper,
    machine: StatusMachine,
    directory: ContactDirectory,
) -> AsyncIterator[Hooks]:
    started = await start_hooks(
        build_verifiers(sandbox_creds[0]), publisher, deduper, machine, directory, 64 * 1024
    )
    yield started
    await started.client.close()


@pytest.fixture
async def sandbox(
    sandbox_creds: tuple[ProviderCredentials, ec.EllipticCurvePrivateKey], hooks: Hooks
) -> AsyncIterator[Sandbox]:
    creds, key = sandbox_creds
    box = Sandbox(creds, sendgrid_private_key=key, webhook_base_url=hooks.base_url)
    await box.start()
    yield box
    await box.stop()
