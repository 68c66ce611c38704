"""The served OpenAPI contract, exercised by schemathesis against the real web app.

Bounded: a few dozen generated requests per operation, against a live server
on the real broker and Redis. Every answer must be documented (status, content
type, body schema) and none may be a 5xx.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator

import pytest
import redis
import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, settings
from prometheus_client import CollectorRegistry
from schemathesis import SerializationContext
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from recaudo.embedded import Managed, free_port
from recaudo.foundation.keys import Keys
from recaudo.stack import local_settings
from recaudo.web import build_web_app
from recaudo.web.openapi import build_spec

pytestmark = pytest.mark.integration
schema = schemathesis.openapi.from_dict(build_spec())
AUTH = {"Authorization": "Bearer key-acme"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schemathesis.serializer("application/x-ndjson")
def ndjson(_ctx: SerializationContext, value: object) -> bytes:
    """The body is documented as a string of JSON lines: sent as its bytes."""
    return str(value).encode("utf-8", "replace")


@pytest.fixture(scope="module")
def live_api(broker: Managed, redis_server: Managed) -> Iterator[str]:
    """The web app in a thread of its own: schemathesis calls it synchronously."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    app_settings = local_settings(
        broker.url, redis_server.url, prefix, tenants="acme", api_keys="acme:key-acme"
    )
    # A deployment past its first start: the worker wrote the Redis state marker, so
    # readiness answers 200 (without it /readyz is rightly 503: state lost).
    with redis.Redis.from_url(redis_server.url) as client:
        client.set(Keys(prefix).global_("state-marker"), b'{"origin": "first-start"}')
    port = free_port()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(build_web_app(app_settings, CollectorRegistry()), access_log=None)
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(60), "web app did not start"
    yield f"http://127.0.0.1:{port}"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def test_the_served_contract_is_the_generated_one(live_api: str) -> None:
    served = requests.get(f"{live_api}/v1/openapi.json", timeout=10)
    assert served.status_code == 200
    assert served.json() == build_spec()
    assert served.json()["openapi"].startswith("3.1")


@schema.parametrize()
@settings(max_examples=15, suppress_health_check=list(HealthCheck), deadline=None)
def test_the_api_keeps_its_contract(case: Case, live_api: str) -> None:
    case.call_and_validate(base_url=live_api, headers=AUTH, checks=CHECKS, timeout=30)
