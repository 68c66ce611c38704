"""GET /pay/{token} on the real web app, Redis and broker."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import BaseTestServer, TestServer
from itsdangerous import URLSafeSerializer
from prometheus_client import CollectorRegistry

from recaudo.channels.content.paylink import SALT, PayDestination
from recaudo.channels.directory import ContactDirectory, ContactRef
from recaudo.contracts.events import Channel
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
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
    keys = Keys(settings.redis_prefix)
    token, expires = links.token("acme", "contact-pay-1", "d-pay", now)
    # The references the message was rendered with; a click fills acme's payment
    # page (tests/fixtures/policies/acme.toml) with them, quoted.
    pay = PayDestination("PR-000001", "XXXX 1234 é")
    target = "https://pay.example.com/checkout?ref=PR-000001&account=XXXX%201234%20%C3%A9"
    ref = ContactRef(
        tenant_id="acme",
        contact_id="contact-pay-1",
        debtor_id="d-pay",
        account_id="a-pay",
        channel=Channel.SMS,
        address="+15551230001",
    )
    # A link of the earlier form (no debtor) and its record in the earlier pay: key.
    legacy = URLSafeSerializer("pay-test-secret", salt=SALT).dumps(
        ["acme", "contact-pay-0", int(expires.timestamp())]
    )
    legacy_target = "https://pay.example.com/checkout?ref=PR-0"
    # A contact dispatched by the previous release: its ref row JSON, its page's URL
    # kept whole (over 64 bytes: two pieces), both read as they were.
    earlier, _ = links.token("acme", "contact-pay-2", "d-pay", now)
    earlier_target = "https://pay.example.com/checkout?ref=PR-000002&account=XXXX1234&lang=es-CO"
    client = aioredis.Redis.from_url(settings.redis_url)
    try:
        directory = ContactDirectory(client, keys, settings.contact_ttl_s)
        await directory.remember(ref, now=now, pay=pay, pay_expires_at=expires)
        stored = f"{int(expires.timestamp())}|{earlier_target}"
        await client.hset(
            keys.debtor_hash("acme", "d-pay"),
            mapping={
                "r~contact-pay-2": orjson.dumps(["sms", "+15551230001", "a-pay"]),
                "p~contact-pay-2": stored[:64],
                "p~contact-pay-2~1": stored[64:],
            },
        )
        # The record is the debtor's: no tenant-level pay: key.
        assert [k async for k in client.scan_iter(match=f"{keys.prefix}:acme:pay:*")] == []
        await client.set(
            keys.tenant("acme", "pay:contact-pay-0"),
            orjson.dumps(["d-pay", "a-pay", "sms", legacy_target]),
        )
    finally:
        await client.aclose()
    old, _ = links.token("acme", "contact-pay-1", "d-pay", now - links.ttl - dt.timedelta(1))
    async with aiohttp.ClientSession() as http:
        async with http.get(srv.make_url(f"/pay/{old}"), allow_redirects=False) as resp:
            assert resp.status == 410
            assert "This payment link has expired" in await resp.text()
        tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        async with http.get(srv.make_url(f"/pay/{tampered}"), allow_redirects=False) as resp:
            assert resp.status == 404
        for tenant, contact, debtor in (
            ("acme", "never-dispatched", "d-pay"),
            ("globex", "contact-pay-1", "d-pay"),  # another tenant's link finds nothing
            ("acme", "contact-pay-1", "d-other"),
        ):
            unknown, _ = links.token(tenant, contact, debtor, now)
            async with http.get(srv.make_url(f"/pay/{unknown}"), allow_redirects=False) as resp:
                assert resp.status == 404
        async with http.get(srv.make_url(f"/pay/{token}"), allow_redirects=False) as resp:
            assert resp.status == 302
            assert resp.headers["Location"] == target
        async with http.get(srv.make_url(f"/pay/{earlier}"), allow_redirects=False) as resp:
            assert resp.status == 302
            assert resp.headers["Location"] == earlier_target
        async with http.get(srv.make_url(f"/pay/{legacy}"), allow_redirects=False) as resp:
            assert resp.status == 302
            assert resp.headers["Location"] == legacy_target
    async with Bus(settings) as bus:
        records = await bus.collect(
            (bus.topics.deliveries,),
            lambda rs: len([r for r in rs if r["debtor_id"] == "d-pay"]) >= 3,
        )
    clicks = sorted(
        (r["status"], r["contact_id"], r["channel"], r["account_id"])
        for r in records
        if r["debtor_id"] == "d-pay"
    )
    assert clicks == [
        ("clicked", "contact-pay-0", "sms", "a-pay"),
        ("clicked", "contact-pay-1", "sms", "a-pay"),
        ("clicked", "contact-pay-2", "sms", "a-pay"),
    ]


async def test_head_and_link_previews_are_answered_but_not_clicks(
    server: tuple[BaseTestServer, Settings],
) -> None:
    srv, settings = server
    links = pay_links(settings)
    now = dt.datetime.now(dt.UTC)
    client = aioredis.Redis.from_url(settings.redis_url)
    directory = ContactDirectory(client, Keys(settings.redis_prefix), settings.contact_ttl_s)
    target = "https://pay.example.com/checkout?ref=PR-9&account=a-peek"
    tokens = {}
    try:
        for contact in ("contact-peek", "contact-click"):
            ref = ContactRef(
                tenant_id="acme",
                contact_id=contact,
                debtor_id="d-peek",
                account_id="a-peek",
                channel=Channel.SMS,
                address="+15551230002",
            )
            tokens[contact], expires = links.token("acme", contact, "d-peek", now)
            pay = PayDestination("PR-9", "a-peek")
            await directory.remember(ref, now=now, pay=pay, pay_expires_at=expires)
    finally:
        await client.aclose()
    peek = srv.make_url(f"/pay/{tokens['contact-peek']}")
    async with aiohttp.ClientSession() as http:
        async with http.head(peek, allow_redirects=False) as resp:
            assert resp.status == 302
            assert resp.headers["Location"] == target
        for agent in PREVIEWERS:
            headers = {"User-Agent": agent}
            async with http.get(peek, allow_redirects=False, headers=headers) as resp:
                assert resp.status == 302, agent
        async with http.get(peek, allow_redirects=False, headers={"Sec-Purpose": "prefetch"}) as r:
            assert r.status == 302
        click = srv.make_url(f"/pay/{tokens['contact-click']}")
        async with http.get(click, allow_redirects=False, headers={"User-Agent": BROWSER}) as r:
            assert r.status == 302
    # One debtor, one partition: a click of the peeked link would come first.
    async with Bus(settings) as bus:
        records = await bus.collect(
            (bus.topics.deliveries,),
            lambda rs: any(r.get("contact_id") == "contact-click" for r in rs),
        )
    assert [r["contact_id"] for r in records if r["debtor_id"] == "d-peek"] == ["contact-click"]


BROWSER = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile"
PREVIEWERS = (
    "WhatsApp/2.23.20.0 A",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "TelegramBot (like TwitterBot)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (Macintosh) AppleWebKit/601.2.4 (KHTML, like Gecko) facebookexternalhit/1.1 "
    "Facebot Twitterbot/1.0",
)
