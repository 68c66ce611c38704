"""GET /pay/{token} on the real web app, Redis and broker."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import BaseTestServer, TestServer
from prometheus_client import CollectorRegistry

from recaudo.channels.content import PayBook, PayRecord
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.streams.events import Channel
from recaudo.streams.wiring import pay_links
from recaudo.web import build_web_app
from tests.conftest import SettingsFactory
from tests.integration.harness import Bus

pytestmark = pytest.mark.integration


@pytest.fixture
async def server(make_settings: SettingsFactory) -> AsyncIterator[tuple[BaseTestServer, Settings]]:
    settings = make_settings(pay_link_secret="pay-test-secret")
    async with TestServer(build_web_app(settings, CollectorRegistry()), host="127.0.0.1") as srv:
        yield srv, settings


async def test_expired_tampered_and_valid_links(server: tuple[BaseTestServer, Settings]) -> None:
    srv, settings = server
    links = pay_links(settings)
    now = dt.datetime.now(dt.UTC)
    client = aioredis.Redis.from_url(settings.redis_url)
    book = PayBook(client, Keys(settings.redis_prefix))
    token, expires = links.token("acme", "contact-pay-1", now)
    target = "https://pay.example.com/checkout?ref=PR-1"
    await book.remember(
        "acme", "contact-pay-1", PayRecord("d-pay", "a-pay", Channel.SMS, target), expires
    )
    await client.aclose()
    old, _ = links.token("acme", "contact-pay-1", now - links.ttl - dt.timedelta(minutes=1))
    async with aiohttp.ClientSession() as http:
        async with http.get(srv.make_url(f"/pay/{old}"), allow_redirects=False) as resp:
            assert resp.status == 410
            assert "This payment link has expired" in await resp.text()
        tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        async with http.get(srv.make_url(f"/pay/{tampered}"), allow_redirects=False) as resp:
            assert resp.status == 404
        unknown, _ = links.token("acme", "never-dispatched", now)
        async with http.get(srv.make_url(f"/pay/{unknown}"), allow_redirects=False) as resp:
            assert resp.status == 404
        async with http.get(srv.make_url(f"/pay/{token}"), allow_redirects=False) as resp:
            assert resp.status == 302
            assert resp.headers["Location"] == target
    async with Bus(settings) as bus:
        records = await bus.collect(
            (bus.topics.deliveries,), lambda rs: any(r["debtor_id"] == "d-pay" for r in rs)
        )
    [click] = [r for r in records if r["debtor_id"] == "d-pay"]
    assert (click["status"], click["contact_id"], click["channel"]) == (
        "clicked",
        "contact-pay-1",
        "sms",
    )
