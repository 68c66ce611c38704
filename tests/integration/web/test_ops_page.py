"""The operations page in real headless Chromium against the real web app and Redis."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import BaseTestServer, TestServer
from prometheus_client import CollectorRegistry

from recaudo.channels.directory import ContactDirectory, ContactRef
from recaudo.channels.dispatch.ledger import ContactLedger, ContactStatus
from recaudo.channels.status_machine import StatusMachine
from recaudo.contracts.events import Channel, DeliveryStatus
from recaudo.contracts.outputs import Action, Decision, Reason
from recaudo.contracts.state import OutcomeSummary, RollSummary
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change, StateStore
from recaudo.streams.timeline import timeline_lines
from recaudo.web import build_web_app
from tests.conftest import SettingsFactory
from tests.integration.web.browser import CHROMIUM_FLAGS, chromium_page

pytestmark = pytest.mark.integration


def decision(
    i: int,
    action: str,
    rule_id: str,
    citation: str,
    passed: tuple[str, ...] = (),
    trigger: str = "account",
) -> Decision:
    reasons = [Reason(rule_id=rule_id, params={}, citation=citation)]
    reasons += [Reason(rule_id=r, params={"result": "ok"}) for r in passed]
    return Decision(
        decision_id=f"dec-{i}",
        tenant_id="acme",
        debtor_id="ops-1",
        action=Action(action),
        channel=Channel.SMS,
        reasons=tuple(reasons),
        policy_version="2025.1/US-2021.11",
        model_versions={"bandit": "bandit-ts-v1"},
        trigger_type=trigger,
        trigger_event_id=f"ev-{i}",
        decided_at=dt.datetime(2026, 11, 18, 15, i, tzinfo=dt.UTC),
        latency_s=0.01,
    )


STATE = DebtorState.model_validate(
    {
        "tz": "America/New_York",
        "jur": "US-NY",
        "accounts": {"acct-9": {"status": "delinquent", "dpd": 42, "due": 12000, "bal": 98765}},
        "emitted": [{"cid": "c-77", "acct": "acct-9", "ch": "sms", "exp": 4e9, "at": 1.79e9}],
        "pending": [{"cid": "c-78", "acct": "acct-9", "ch": "email", "step": "d45", "due": 1.8e9}],
    }
)


def portfolio_debtor(arm: str, recovered: int) -> DebtorState:
    contacts = 0 if arm == "holdout" else 2
    out = OutcomeSummary(
        since=1.0,
        arm=arm,
        strat="x",
        seg="s1",
        bkt="1-30",
        owed=10_000,
        cur="USD",
        rec=recovered,
        n=contacts,
        by_ch={"sms": contacts} if contacts else {},
    )
    # Reminders: champion debtors recovering nothing rolled past due, so 1 of 4 did;
    # of the holdout, those recovering under 1000 did, 2 of 3.
    rem = RollSummary(arm=arm, strat="x", c=1, l1=int(recovered < 1000), n=2 * (arm != "holdout"))
    return DebtorState(tz="America/New_York", jur="US-NY", out=out, rem=rem)


@pytest.fixture
async def server(make_settings: SettingsFactory) -> AsyncIterator[tuple[BaseTestServer, Settings]]:
    settings = make_settings()
    client = aioredis.Redis.from_url(settings.redis_url)
    store = StateStore(client, Keys(settings.redis_prefix), 3600)
    decisions = [
        decision(0, "defer", "us.reg_f.inconvenient_time", "12 CFR 1006.6(b)(1)(i)"),
        decision(
            1, "contact", "policy.daily_total", "tenant default", ("us.reg_f.seven_in_seven",)
        ),
        decision(2, "suppress", "suppress.paid", "account settled", trigger="payment"),
    ]
    timeline = timeline_lines(decisions)
    await store.commit([Change(("acme", "ops-1"), STATE, ["e"], timeline)], 0.0)
    # The portfolio: champion debtors recovered 5000, 8000, 0 and 6000 cents; the
    # holdout 0, 1000 and 500: +42.50 dollars per debtor against the holdout.
    arms = [("champion", r) for r in (5000, 8000, 0, 6000)] + [
        ("holdout", r) for r in (0, 1000, 500)
    ]
    await store.commit(
        [
            Change(("acme", f"p-{i}"), portfolio_debtor(arm, rec), [f"p{i}"], [])
            for i, (arm, rec) in enumerate(arms)
        ],
        0.0,
    )
    directory = ContactDirectory(client, Keys(settings.redis_prefix), 3600)
    await directory.remember(
        ContactRef(
            tenant_id="acme",
            contact_id="c-77",
            debtor_id="ops-1",
            channel=Channel.SMS,
            address="+12125550188",
            language="en",
            provider="twilio",
        )
    )
    # c-77 was sent, then opened (the status machine's rank 3).
    await ContactLedger(client, Keys(settings.redis_prefix), 3600).mark(
        "acme", "ops-1", "c-77", ContactStatus.SENT
    )
    machine = StatusMachine(client, Keys(settings.redis_prefix), 3600)
    await machine.advance("acme", "ops-1", "c-77", DeliveryStatus.OPENED)
    await client.aclose()
    app: web.Application = build_web_app(settings, CollectorRegistry())
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server, settings


async def render(url: str) -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium missing: `make system-deps` installs Debian's chromium"
    # Chromium's helper processes may still write the profile as it exits.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
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
    assert dom.count('<tr data-action="') == 3
    assert dom.index('data-action="contact"') < dom.index('data-action="defer"'), "newest first"
    assert "us.reg_f.inconvenient_time" in dom
    assert "12 CFR 1006.6(b)(1)(i)" in dom
    assert "contact: 1" in dom
    assert "defer: 1" in dom
    # Rules that decided stand apart from rules that merely passed.
    assert '<span class="reason deciding">us.reg_f.inconvenient_time' in dom
    assert '<span class="passed-rule">us.reg_f.seven_in_seven</span>' in dom
    assert '<span class="reason deciding">us.reg_f.seven_in_seven' not in dom
    # The debtor: balance, messages as sent with delivery, the payment, what waits.
    assert "$987.65" in dom
    assert '<section id="debtor-view" class="card">' in dom, "shown, not hidden"
    assert "c-77" in dom
    assert '<td data-label="Delivery">opened</td>' in dom
    assert '<td data-label="To">+12125550188</td>' in dom
    assert '<td data-label="Provider">twilio</td>' in dom
    assert "Payment" in dom
    assert "c-78" in dom
    # Times in the debtor's zone and in UTC: 15:00 UTC is 10:00 in New York in November.
    assert "2026-11-18 10:00 America/New_York" in dom
    assert "2026-11-18 15:00 UTC" in dom
    # The managers' view: each arm against the holdout, with its 95 % interval.
    assert '<table id="arms">' in dom
    assert '<td data-label="Arm">champion</td>' in dom
    assert '<td data-label="Arm">holdout</td>' in dom
    assert "$42.50 [" in dom, "incremental recovered per debtor vs the holdout"
    assert "$21.25 [" in dom, "per contact: 42.50 x 4 debtors / 8 contacts"
    # Reminders: the roll rate of the reminded against the holdout's, with its interval.
    assert '<table id="rolls">' in dom
    assert '<td data-label="Rolled 1+ days">25.0 %</td>' in dom
    assert '<td data-label="Rolled 1+ days">66.7 %</td>' in dom
    assert '<td data-label="1+ vs holdout (95%)">n too small</td>' not in dom
    assert "-41.7 % [" in dom, "25.0 % - 66.7 %"


async def test_a_wrong_key_shows_the_apis_error_not_data(
    server: tuple[BaseTestServer, Settings],
) -> None:
    test_server, _ = server
    dom = await render(str(test_server.make_url("/ops")) + "#debtor=ops-1&key=wrong")
    assert "unknown API key" in dom
    assert "us.reg_f.inconvenient_time" not in dom


# Waits (in the page) until the debtor is shown, then measures it.
MEASURE = """new Promise((done) => {
  const check = () => document.getElementById("decisions").hidden
    ? setTimeout(check, 50)
    : done({scroll: document.documentElement.scrollWidth, width: window.innerWidth,
            height: document.documentElement.scrollHeight});
  check();
})"""


async def at_width(url: str, width: int, shot: Path) -> dict[str, Any]:
    """Open ``url`` in headless Chromium at ``width`` CSS px (``browser.chromium_page``);
    return the page's measurements and save a full-page screenshot."""
    async with chromium_page(width) as page:
        await page.open(url)
        size: dict[str, Any] = await page.js(MEASURE)
        await page.screenshot(shot)
        return dict(size)


@pytest.mark.parametrize(("device", "width"), [("phone", 390), ("desktop", 1280)])
async def test_the_debtor_view_fits_a_phone_and_a_desktop(
    server: tuple[BaseTestServer, Settings], tmp_path: Path, device: str, width: int
) -> None:
    test_server, _ = server
    url = str(test_server.make_url("/ops")) + "#debtor=ops-1&key=key-acme"
    shot = tmp_path / f"ops-{device}.png"
    size = await at_width(url, width, shot)
    assert size["width"] == width
    assert size["scroll"] <= width, f"the page scrolls sideways at {width} px: {size}"
    assert shot.read_bytes().startswith(b"\x89PNG")
