"""Colombia's earliest credit-bureau reporting date (issue 26, part 5) over real Redis:
GET /v1/reports/credit-bureau and ``recaudo report --credit-bureau`` read the notices
each account keeps, per tenant, on the service's clock; the debtor view shows the
same date."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner
from prometheus_client import CollectorRegistry

from recaudo.cli import main
from recaudo.contracts.state import AccountState
from recaudo.embedded import start_redis
from recaudo.foundation.config import Settings
from recaudo.rules.credit_bureau import PRIOR_NOTICE, SMALL_DEBT
from recaudo.streams.reports.credit_bureau import CreditBureauReport
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change
from recaudo.web import build_web_app
from tests.conftest import SettingsFactory
from tests.integration.web.conftest import commit_states

pytestmark = pytest.mark.integration
Client = TestClient[web.Request, web.Application]
# The service's clock: noon in Bogotá on 1 July 2025, whatever the wall says.
NOW = dt.datetime(2025, 7, 1, 17, 0, tzinfo=dt.UTC)
SMALL, LARGE = 10_000_000, 50_000_000  # 100,000 and 500,000 pesos
ACME = {"Authorization": "Bearer key-acme"}
PATH = "/v1/reports/credit-bureau"


def debtor(jur: str, **accounts: AccountState) -> DebtorState:
    return DebtorState(tz="America/Bogota", jur=jur, lang="es", accounts=accounts)


def owing(due: int, *notices: str, status: str = "delinquent") -> AccountState:
    return AccountState(
        status=status, days_past_due=45, due=due, bal=due, cur="COP", bn=list(notices)
    )


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings(
        tenants="acme,globex", report_refresh_s=3600, clock_start=NOW, clock_origin=time.time()
    )


@pytest.fixture
async def seeded(settings: Settings) -> None:
    await seed(settings)


async def seed(settings: Settings) -> None:
    changes = [
        # Delivered 10 June: 1 July is the 21st day, the first it may be reported.
        Change(("acme", "co-1"), debtor("CO", a1=owing(LARGE, "2025-06-10")), [], []),
        # A small debt, one notice of the two; and an account paid up (not listed).
        Change(
            ("acme", "co-2"),
            debtor(
                "CO-DC",
                a1=owing(SMALL, "2025-06-20"),
                a2=owing(0, status="current"),
            ),
            [],
            [],
        ),
        # Two notices on different days, the last on 20 June: waiting until 11 July.
        Change(("acme", "co-3"), debtor("CO", a1=owing(SMALL, "2025-06-01", "2025-06-20")), [], []),
        Change(("acme", "us-1"), debtor("US-NY", a1=owing(LARGE, "2025-06-10")), [], []),
        # Another tenant's Colombian debtor: never shown to acme.
        Change(("globex", "gx-co"), debtor("CO", a1=owing(LARGE, "2025-06-10")), [], []),
    ]
    await commit_states(settings, changes)


@pytest.fixture
async def client(settings: Settings, seeded: None) -> AsyncIterator[Client]:
    async with TestClient(TestServer(build_web_app(settings, CollectorRegistry()))) as c:
        yield c


async def test_the_api_lists_each_colombian_account_in_arrears(client: Client) -> None:
    response = await client.get(PATH, headers=ACME)
    assert response.status == 200
    report = CreditBureauReport.model_validate(await response.json())
    assert report.tenant_id == "acme"
    assert report.generated_at.date() == NOW.date(), "the service's clock, not the wall's"
    counts = (report.accounts, report.may_report, report.waiting, report.notice_needed)
    assert counts == (3, 1, 1, 1)
    got = [
        (r.debtor_id, r.account_id, r.status, r.earliest_report_date, r.rule_id)
        for r in report.rows
    ]
    assert got == [
        ("co-1", "a1", "may_report", dt.date(2025, 7, 1), PRIOR_NOTICE.id),
        ("co-3", "a1", "waiting", dt.date(2025, 7, 11), SMALL_DEBT.id),
        ("co-2", "a1", "notice_needed", None, SMALL_DEBT.id),
    ]
    small = report.rows[2]
    assert (small.small_debt, small.notices_delivered, small.notices_needed) == (True, 1, 2)
    assert (small.amount_due_minor, small.currency) == (SMALL, "COP")
    assert small.citation == SMALL_DEBT.citation


async def test_another_tenants_key_sees_only_its_own(client: Client) -> None:
    response = await client.get(PATH, headers={"Authorization": "Bearer key-globex"})
    assert response.status == 200
    report = CreditBureauReport.model_validate(await response.json())
    assert report.tenant_id == "globex"
    assert [r.debtor_id for r in report.rows] == ["gx-co"]


async def test_the_api_names_an_unknown_parameter_and_needs_a_key(client: Client) -> None:
    bad = await client.get(f"{PATH}?status=waiting", headers=ACME)
    assert bad.status == 400
    assert (await bad.json())["error"]["parameter"] == "status"
    assert (await client.get(PATH)).status == 401
    wrong = await client.get(PATH, headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401


async def test_the_debtor_view_shows_the_same_date(client: Client) -> None:
    """One computation: GET /v1/debtors/{id} and the report agree."""
    co = await (await client.get("/v1/debtors/co-3", headers=ACME)).json()
    assert [a["earliest_report_date"] for a in co["accounts"]] == ["2025-07-11"]
    waiting = await (await client.get("/v1/debtors/co-2", headers=ACME)).json()
    assert [a["earliest_report_date"] for a in waiting["accounts"]] == [None, None]
    us = await (await client.get("/v1/debtors/us-1", headers=ACME)).json()
    assert [a["earliest_report_date"] for a in us["accounts"]] == [None]


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_the_cli_prints_the_same_list(
    settings: Settings, seeded: None, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setenv("RECAUDO_REDIS_URL", settings.redis_url)
    monkeypatch.setenv("RECAUDO_REDIS_PREFIX", settings.redis_prefix)
    monkeypatch.setenv("RECAUDO_TENANTS", settings.tenants)
    monkeypatch.setenv("RECAUDO_CLOCK_START", NOW.isoformat())
    monkeypatch.setenv("RECAUDO_CLOCK_ORIGIN", str(time.time()))
    args = ["report", "--tenant", "acme", "--credit-bureau", "--format", fmt]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        lines = list(csv.DictReader(io.StringIO(result.output)))
        assert [(x["debtor_id"], x["status"], x["earliest_report_date"]) for x in lines] == [
            ("co-1", "may_report", "2025-07-01"),
            ("co-3", "waiting", "2025-07-11"),
            ("co-2", "notice_needed", ""),
        ]
    elif fmt == "json":
        report = CreditBureauReport.model_validate_json(result.output)
        assert (report.accounts, report.may_report) == (3, 1)
    else:
        assert (
            "3 accounts in arrears: 1 may be reported, 1 waiting, 1 need a notice" in result.output
        )
        assert "2025-07-11" in result.output
        assert "gx-co" not in result.output
        assert "us-1" not in result.output


def test_the_cli_makes_one_report_at_a_time() -> None:
    args = ["report", "--tenant", "acme", "--credit-bureau", "--after-effective-date"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "one report at a time" in result.output


async def test_a_burst_of_calls_shares_scans_and_each_gets_the_whole_list(
    settings: Settings,
) -> None:
    """A compliance list is never cached, but 30 calls at once cost at most two
    scans of the tenant's states (``recaudo.web.shared_scans``), not 30. A Redis of
    the test's own, so its SCAN count is this test's alone."""
    own = start_redis()
    redis = aioredis.Redis.from_url(own.url)
    alone_settings = settings.model_copy(update={"redis_url": own.url})

    async def scans() -> int:
        stats = await redis.info("commandstats")
        return int(stats.get("cmdstat_scan", {}).get("calls", 0))

    try:
        await seed(alone_settings)
        app = build_web_app(alone_settings, CollectorRegistry())
        async with TestClient(TestServer(app)) as client:
            before = await scans()
            alone = await (await client.get(PATH, headers=ACME)).json()
            per_scan = await scans() - before
            assert per_scan >= 1
            before = await scans()
            globex = {"Authorization": "Bearer key-globex"}
            answers = await asyncio.gather(
                *(client.get(PATH, headers=ACME) for _ in range(30)),
                *(client.get(PATH, headers=globex) for _ in range(5)),
            )
            assert [a.status for a in answers] == [200] * 35
            bodies = [await a.json() for a in answers]
            scanned = await scans() - before
        assert [r["debtor_id"] for r in alone["rows"]] == ["co-1", "co-3", "co-2"]
        assert all(b["rows"] == alone["rows"] for b in bodies[:30])
        assert all([r["debtor_id"] for r in b["rows"]] == ["gx-co"] for b in bodies[30:])
        # At most two scans per tenant, however the 35 calls interleave.
        assert scanned <= 4 * per_scan
    finally:
        await redis.aclose()
        own.stop()
