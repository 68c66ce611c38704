"""Fixtures for the channels tests: real Redis with a unique key prefix, an
in-memory publisher, the webhook routes on a loopback server, the sandbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from cryptography.hazmat.primitives.asymmetric import ec

from recaudo.channels.credentials import ProviderCredentials
from recaudo.channels.dedupe import Deduper
from recaudo.channels.directory import ContactDirectory
from recaudo.channels.dispatch.ledger import ContactLedger
from recaudo.channels.sandbox import Sandbox, sandbox_credentials
from recaudo.channels.status_machine import StatusMachine
from recaudo.channels.webhooks import build_verifiers
from recaudo.foundation.keys import Keys
from tests.unit.channels.channels_testkit import FakePublisher, Hooks, start_hooks

REDIS_URL = "redis://127.0.0.1:6379/0"


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
    return ContactDirectory(redis_client, keys, ttl_s=600, payment_pages=PAYMENT_PAGE.format)


#: Each tenant's payment page as the directory fixture's clicks fill it.
PAYMENT_PAGE = (
    "https://pay.example.com/{}?ref={{payment_reference}}&c={{contact_id}}&a={{account_reference}}"
)


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
