"""/ops for a collections manager and an agent, in real headless Chromium at a
phone's and a desktop's width, against the real web app, broker and Redis:
the headline over its chart, a debtor found by phone number and shown first as
a conversation, and a task claimed, noted and closed with the page's buttons; a
Colombian debtor's earliest credit-bureau reporting date, and the count of accounts
that may be reported."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import BaseTestServer, TestServer
from prometheus_client import CollectorRegistry

from recaudo.contracts.state import AccountState
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change, StateStore
from recaudo.web import build_web_app
from tests.conftest import SettingsFactory
from tests.integration.web.browser import Page, chromium_page
from tests.integration.web.ops_data import seed

pytestmark = pytest.mark.integration
ROW = """[...document.querySelectorAll('#queue-tasks tbody tr')]
  .find((r) => r.textContent.includes('ops-ana'))"""
SHOWN = "(id) => !document.getElementById(id).hidden"


async def seed_colombian(settings: Settings) -> None:
    """Camila, in Bogotá: two small debts (at most 15% of any year's minimum wage), one
    with its two notices delivered (10 September the last: reported from 1 October),
    one with a single notice (a second one is needed). No ``out``: not in the portfolio."""
    camila = DebtorState(
        tz="America/Bogota",
        jur="CO",
        lang="es",
        accounts={
            f"acct-co-{n}": AccountState(
                status="delinquent", days_past_due=60, due=due, bal=due, cur="COP", bn=notices
            )
            for n, due, notices in (
                (1, 5_000_000, ["2025-09-01", "2025-09-10"]),
                (2, 3_000_000, ["2025-09-20"]),
            )
        },
    )
    client = aioredis.Redis.from_url(settings.redis_url)
    try:
        changes = [Change(("acme", "co-camila"), camila, ["e-camila"], [])]
        await StateStore(client, Keys(settings.redis_prefix), 3600).commit(changes, 0.0)
    finally:
        await client.aclose()


@pytest.fixture
async def server(make_settings: SettingsFactory) -> AsyncIterator[BaseTestServer]:
    settings = make_settings()
    await seed(settings)
    await seed_colombian(settings)
    app: web.Application = build_web_app(settings, CollectorRegistry())
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server


def keep(shot: Path) -> None:
    """Copy a screenshot where a person asked to look at them (never committed)."""
    folder = os.environ.get("RECAUDO_OPS_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(folder) / shot.name)


async def text_of(page: Page, element_id: str) -> str:
    return str(await page.js(f"document.getElementById('{element_id}').innerText"))


async def no_sideways_scroll(page: Page) -> None:
    scroll = await page.js("document.documentElement.scrollWidth")
    assert scroll <= page.width, f"the page scrolls sideways at {page.width} px: {scroll}"


@pytest.mark.parametrize(("device", "width"), [("phone", 390), ("desktop", 1280)])
async def test_a_manager_and_an_agent_work_from_the_page(
    server: BaseTestServer, tmp_path: Path, device: str, width: int
) -> None:
    async with chromium_page(width) as page:
        await page.open(str(server.make_url("/ops")) + "#key=key-acme&agent=agent-7")
        # The manager's headline, in words, over the weekly chart; the data's time.
        await page.wait("document.getElementById('headline').dataset.verdict")
        headline = await text_of(page, "headline")
        verdict = await page.js("document.getElementById('headline').dataset.verdict")
        assert "The champion strategy" in headline
        assert "$42.50" in headline, "per debtor against the holdout, as the currency writes it"
        assert verdict in ("ahead", "too_early"), "7 debtors: the interval decides"
        if verdict == "too_early":
            assert "not enough data yet" in headline
            assert "more days at this volume" in headline
        assert await page.js("document.querySelectorAll('#weekly svg circle').length") == 2
        assert "2026-11-16 18:30 UTC" in await text_of(page, "as-of")
        rates = await text_of(page, "rates")
        assert "75.0 %" in rates, "champion promises kept: 3 of 4"
        # Colombia's credit bureau: Camila's two accounts, one past its date.
        await page.wait(f"({SHOWN})('bureau')")
        bureau = await text_of(page, "bureau")
        assert "1 account may be reported · 0 waiting" in bureau
        assert "1 needs a notice first" in bureau
        # The integrator's delivery log: the CRM's 503, then the retry delivered.
        await page.wait(f"({SHOWN})('webhooks')")
        hooks = await text_of(page, "webhooks")
        assert "https://crm.acme.example/hooks" in hooks
        assert "0 dead-lettered · 1 of the last 2 attempts not delivered" in hooks
        rows = await page.js(
            "[...document.querySelectorAll('#webhook-endpoints tbody tr')].map((r) => r.innerText)"
        )
        assert len(rows) == 2, rows
        assert "delivered" in rows[0], "newest first"
        assert "200" in rows[0]
        assert "503" in rows[1]
        # The queue: the overdue dispute first, then Ana's request for a person.
        await page.wait(f"!!({ROW})")
        first = await page.js("document.querySelector('#queue-tasks tbody tr').innerText")
        assert "OVERDUE" in first
        assert "Luis Pardo" in first
        assert "+13055550123 · es · $300.00 due" in first, "the call card in the row"
        assert "Ana" not in await text_of(page, "calls"), "her open task is in the queue"
        for name, height in (("overview", None), ("overview-top", 1600)):
            shot = tmp_path / f"ops-{device}-1-{name}.png"
            await page.screenshot(shot, height)
            keep(shot)

        # An agent searches the number the debtor called from.
        await page.js(
            "document.getElementById('debtor').value = '(212) 555-0188';"
            "document.getElementById('query').requestSubmit()"
        )
        await page.wait("document.querySelectorAll('#conversation .turn').length >= 6")
        assert await page.js(f"({SHOWN})('debtor-view')")
        card = await text_of(page, "callcard")
        for shown in ("Ana Gómez", "+12125550188", "es", "$120.00", "$60.00 by 2026-11-06"):
            assert shown in card, shown
        talk = await text_of(page, "conversation")
        assert "Hola Ana, su pago de $120.00 está pendiente" in talk
        assert "sms · twilio → +12125550188 · es" in talk, "provider and address, weeks later"
        assert "sent → delivered" in talk
        assert "Puedo pagar 60 el viernes" in talk
        assert "Assistant (answer)" in talk
        assert "Promise to pay $60.00 by 2026-11-06" in talk
        assert "Payment received: $60.00" in talk
        assert "(past)" not in await text_of(page, "messages")
        labels = "document.getElementById('callcard').textContent"  # innerText: upper case
        assert "Credit-bureau" not in await page.js(labels), "Ana is not in Colombia"
        assert not await page.js("document.querySelector('#accounts td.bureau').offsetParent"), (
            "no credit-bureau column for her"
        )
        # On a phone the debtor comes first: right under the search, not pages below.
        top = await page.js(
            "document.getElementById('debtor-view').getBoundingClientRect().top + scrollY"
        )
        assert top < 400, f"the debtor starts {top} px down"
        debtor = tmp_path / f"ops-{device}-2-debtor.png"
        await page.screenshot(debtor)
        keep(debtor)
        first_screens = tmp_path / f"ops-{device}-2-debtor-top.png"
        await page.screenshot(first_screens, height=2000)
        keep(first_screens)

        # Claim, note and close Ana's task with the row's buttons.
        await page.js(f"{ROW}.querySelector('button[data-act=claim]').click()")
        await page.wait(f"{ROW}.innerText.includes('Claimed by agent-7')")
        await page.js(
            f"const note = {ROW}.querySelector('form[data-form=note]');"
            "note.querySelector('textarea').value = 'Called: will pay Friday';"
            "note.requestSubmit()"
        )
        await page.wait(f"{ROW}.innerText.includes('agent-7: Called: will pay Friday')")
        await page.js(
            f"const close = {ROW}.querySelector('form[data-form=close]');"
            "close.querySelector('select').value = 'promise_to_pay';"
            "close.querySelector('textarea').value = 'Sent the payment link';"
            "close.requestSubmit()"
        )
        await page.wait(f"!({ROW})")
        await page.wait(
            "document.getElementById('conversation').innerText.includes('Task closed by agent-7')"
        )
        talk = await text_of(page, "conversation")
        assert "Called: will pay Friday" in talk
        assert "Sent the payment link" in talk
        assert "promise_to_pay" in talk
        assert "ops-luis" in await text_of(page, "queue-tasks"), "the other task stays open"
        assert not await text_of(page, "status")
        await no_sideways_scroll(page)
        done = tmp_path / f"ops-{device}-3-closed.png"
        await page.screenshot(done)
        keep(done)

        # A Colombian debtor: the first day each account may be reported, or the notice.
        await page.js(
            "document.getElementById('debtor').value = 'co-camila';"
            "document.getElementById('query').requestSubmit()"
        )
        await page.wait(f"{labels}.includes('Credit-bureau report')")
        card = await text_of(page, "callcard")
        assert "acct-co-1: from 2025-10-01 · acct-co-2: notice needed" in card
        balance = await text_of(page, "accounts")
        assert "from 2025-10-01" in balance
        assert "notice needed" in balance
        await no_sideways_scroll(page)
        colombian = tmp_path / f"ops-{device}-4-colombia.png"
        await page.screenshot(colombian)
        keep(colombian)
