"""The debtor's page behind the pay link, in headless Chromium at a phone's width.

In each language it speaks: it fits 390 px with no sideways scroll, axe-core
finds no serious or critical accessibility violation (on the page and after a
choice), and what the debtor picks reaches the decide stage as the assistant's
own events do: a plan is accepted (its contacts cancelled, the first instalment
the running promise), a promised date suppresses contact until then.
Screenshots go to /tmp/pay-shots/ for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import SettingsFactory
from tests.integration.harness import Record
from tests.integration.web.browser import Page, chromium_page
from tests.integration.web.pay_loop import Loop, debtor_with_contact, decide, start_loop

pytestmark = pytest.mark.integration
SHOTS = Path("/tmp/pay-shots")
AXE = Path(__file__).parents[3] / ".axe" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(exist_ok=True)
    return SHOTS


@pytest.fixture
async def loop(make_settings: SettingsFactory, tmp_path: Path) -> AsyncIterator[Loop]:
    async with start_loop(make_settings, tmp_path) as started:
        yield started


async def serious_violations(page: Page) -> list[dict[str, object]]:
    """axe-core's serious and critical violations of the page as it is now."""
    assert AXE.exists(), "axe-core missing: `make system-deps` installs it into .axe/"
    if not await page.js("typeof axe !== 'undefined'"):
        await page.js(AXE.read_text())
    found = await page.js(
        "axe.run(document).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))})))"
    )
    return list(found)


async def _responses(loop: Loop, debtor: str) -> list[Record]:
    def mine(rs: list[Record]) -> list[Record]:
        return [r for r in rs if r.get("debtor_id") == debtor]

    topic = loop.bus.topics.responses
    return mine(await loop.bus.collect([topic], lambda rs: bool(mine(rs))))


@pytest.mark.parametrize(
    ("language", "currency", "due"),
    [("en", "USD", 10_000), ("es", "COP", 20_000_000), ("pt", "BRL", 30_000)],
)
async def test_a_debtor_picks_a_plan_on_a_phone(
    loop: Loop, shots: Path, language: str, currency: str, due: int
) -> None:
    debtor = f"d-page-{language}"
    path, contact = await debtor_with_contact(loop, debtor, currency, language, due)
    async with chromium_page(390) as page:
        await page.open(loop.base + path)
        assert await page.js("document.documentElement.lang") == language
        assert await page.js("document.documentElement.scrollWidth") <= 390
        assert await page.js("document.querySelectorAll('input[name=instalments]').length") >= 1
        assert await page.js("document.scripts.length") == 0
        # Its one inline style ran under the page's CSP (allowed by its hash).
        button = "getComputedStyle(document.querySelector('button')).backgroundColor"
        assert await page.js(button) == "rgb(11, 92, 173)"
        assert await serious_violations(page) == []
        await page.screenshot(shots / f"{language}-page.png")

        await page.js("document.querySelector('form[action$=\"/plan\"] button').click()")
        await page.wait("location.search.includes('done=plan')")
        await page.wait("document.readyState == 'complete'")
        assert await page.js("!!document.querySelector('[role=status]')")
        assert await page.js("document.documentElement.scrollWidth") <= 390
        assert await serious_violations(page) == []
        await page.screenshot(shots / f"{language}-plan-taken.png")

    [choice] = await _responses(loop, debtor)
    assert choice["plan"]["instalments"] >= 2
    assert (choice["contact_id"], choice["disposition"]) == (contact, "self_service")
    prepared = await decide(loop, "responses", choice, 2)
    reasons = {r.rule_id for d in prepared.decisions for r in d.reasons}
    assert "plan.accepted" in reasons
    assert contact in {d.contact_id for d in prepared.decisions if d.action.value == "cancel"}


async def test_a_promised_date_is_the_assistants_promise(loop: Loop) -> None:
    path, contact = await debtor_with_contact(loop, "d-promise", "USD", "en")
    on = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=5)).isoformat()
    async with loop.http.post(
        loop.base + path + "/promise", data={"due_on": on}, allow_redirects=False
    ) as resp:
        assert resp.status == 303
        assert resp.headers["Location"].endswith(f"done=promise&on={on}")
    [promise] = await _responses(loop, "d-promise")
    assert promise["intent"] == "promise_to_pay"
    assert promise["promise"] == {
        "amount": {"amount_minor": 10_000, "currency": "USD"},
        "due_on": on,
    }
    prepared = await decide(loop, "responses", promise, 2)
    reasons = {r.rule_id for d in prepared.decisions for r in d.reasons}
    assert "suppress.promise_to_pay" in reasons
    assert contact in {d.contact_id for d in prepared.decisions if d.action.value == "cancel"}


async def test_choices_the_page_does_not_offer_are_refused(loop: Loop) -> None:
    path, _ = await debtor_with_contact(loop, "d-refused", "USD", "en")
    far = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=90)).isoformat()
    for route, form, status in [
        ("/promise", {"due_on": far}, 400),
        ("/promise", {"due_on": "tomorrow"}, 400),
        ("/plan", {"instalments": "97"}, 400),
        ("/checkout", {"instalments": "97"}, 409),
    ]:
        async with loop.http.post(
            loop.base + path + route, data=form, allow_redirects=False
        ) as resp:
            assert resp.status == status, (route, form, await resp.text())
            assert (await resp.json())["error"]["code"] in {"invalid_parameter", "conflict"}
    async with loop.http.post(loop.base + "/pay/not-a-token/plan", data={}) as resp:
        assert resp.status == 404


async def test_a_count_that_is_not_ascii_digits_is_a_400_naming_it(loop: Loop) -> None:
    # "²" is a digit to str.isdigit() but not to int() (it was a 500); "٣" and "abc"
    # and "" are not the documented ^[0-9]{1,3}$ (a checkout took them as "pay in full").
    path, _ = await debtor_with_contact(loop, "d-digits", "USD", "en")
    for route, count in itertools.product(("/plan", "/checkout"), ("²", "٣", "abc", "")):
        async with loop.http.post(
            loop.base + path + route, data={"instalments": count}, allow_redirects=False
        ) as resp:
            assert resp.status == 400, (route, count, await resp.text())
            assert (await resp.json())["error"]["parameter"] == "instalments"
    async with loop.http.get(loop.base + path, params={"done": "plan", "n": "²"}) as resp:
        assert resp.status == 200, await resp.text()


async def test_the_first_instalment_is_paid_at_the_provider(loop: Loop) -> None:
    path, _ = await debtor_with_contact(loop, "d-first", "USD", "en")
    async with loop.http.get(loop.base + path + "?done=plan&n=2") as resp:
        assert "/checkout" in await resp.text()
    async with loop.http.post(
        loop.base + path + "/checkout", data={"instalments": "2"}, allow_redirects=False
    ) as resp:
        assert resp.status == 303
    [checkout] = loop.sandbox.checkouts.values()
    assert (checkout.amount_minor, checkout.currency) == (5_000, "USD")
