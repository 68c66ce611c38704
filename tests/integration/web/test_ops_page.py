"""The operations page in real headless Chromium against the real web app and Redis."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import tempfile
from collections.abc import AsyncIterator

import orjson
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import BaseTestServer, TestServer
from prometheus_client import CollectorRegistry

from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change, StateStore
from recaudo.web import build_web_app
from tests.conftest import SettingsFactory

pytestmark = pytest.mark.integration

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def decision(i: int, action: str, rule_id: str, citation: str) -> bytes:
    return orjson.dumps(
        {
            "decision_id": f"dec-{i}",
            "action": action,
            "channel": "sms",
            "reasons": [{"rule_id": rule_id, "params": {}, "citation": citation}],
            "policy_version": "2025.1/US-2021.11",
            "model_versions": {"bandit": "bandit-ts-v1"},
            "trigger_type": "account",
            "trigger_event_id": f"ev-{i}",
            "decided_at": dt.datetime(2026, 11, 18, 15, i, tzinfo=dt.UTC).isoformat(),
        }
    )


@pytest.fixture
async def server(make_settings: SettingsFactory) -> AsyncIterator[tuple[BaseTestServer, Settings]]:
    settings = make_settings()
    client = aioredis.Redis.from_url(settings.redis_url)
    store = StateStore(client, Keys(settings.redis_prefix), 3600)
    timeline = [
        decision(0, "defer", "us.reg_f.inconvenient_time", "12 CFR 1006.6(b)(1)(i)"),
        decision(1, "contact", "policy.daily_total", "tenant default"),
    ]
    await store.commit([Change(("acme", "ops-1"), DebtorState(), ["e"], timeline)], 0.0)
    await client.aclose()
    app: web.Application = build_web_app(settings, CollectorRegistry())
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server, settings


async def render(url: str) -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium missing: `make system-deps` installs Debian's chromium"
    with tempfile.TemporaryDirectory() as profile:
        proc = await asyncio.create_subprocess_exec(
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return out.decode()


async def test_the_page_shows_a_debtors_decisions_with_their_rules(
    server: tuple[BaseTestServer, Settings],
) -> None:
    test_server, _ = server
    dom = await render(str(test_server.make_url("/ops")) + "#debtor=ops-1&key=key-acme")
    assert '<table id="timeline">' in dom, "the table is shown once the timeline loaded"
    assert dom.count('<tr data-action="') == 2
    assert dom.index('data-action="contact"') < dom.index('data-action="defer"'), "newest first"
    assert "us.reg_f.inconvenient_time" in dom
    assert "12 CFR 1006.6(b)(1)(i)" in dom
    assert "contact: 1" in dom
    assert "defer: 1" in dom


async def test_a_wrong_key_shows_the_apis_error_not_data(
    server: tuple[BaseTestServer, Settings],
) -> None:
    test_server, _ = server
    dom = await render(str(test_server.make_url("/ops")) + "#debtor=ops-1&key=wrong")
    assert "unknown API key" in dom
    assert "us.reg_f.inconvenient_time" not in dom
