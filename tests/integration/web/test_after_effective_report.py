"""The remediation list (issue 26, part 1) over real Redis: GET
/v1/reports/after-effective-date and ``recaudo report --after-effective-date``
read the late flags the decision stage committed, per tenant."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner
from prometheus_client import CollectorRegistry

from recaudo.cli import main
from recaudo.foundation.config import Settings
from recaudo.streams.reports.after_effective import AfterEffectiveReport
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change
from recaudo.web import build_web_app
from tests.conftest import SettingsFactory
from tests.integration.web.conftest import commit_states
from tests.unit.streams.test_decide import NOON_UTC, account, make_decider, run
from tests.unit.streams.test_legal_dates import contacted_on, flagged

pytestmark = pytest.mark.integration
Client = TestClient[web.Request, web.Application]
DAY = dt.timedelta(days=1)
EFFECTIVE = (NOON_UTC - 3 * DAY).date().isoformat()


def bankrupt_after_contacts() -> DebtorState:
    """Contacted 6 and 2 days ago; the bankruptcy, effective 3 days ago, arrives now."""
    state = contacted_on([6, 2])
    run(make_decider(), state, account(**flagged("bankruptcy", EFFECTIVE)), NOON_UTC)
    return state


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings(tenants="acme,globex", report_refresh_s=3600)


@pytest.fixture
async def seeded(settings: Settings) -> None:
    late = bankrupt_after_contacts()
    changes = [
        Change(("acme", "d1"), late, [], []),
        Change(("acme", "d2"), contacted_on([1]), [], []),  # contacted, never flagged
        Change(("globex", "g1"), late, [], []),  # another tenant's: never shown to acme
    ]
    await commit_states(settings, changes)


@pytest.fixture
async def client(settings: Settings, seeded: None) -> AsyncIterator[Client]:
    async with TestClient(TestServer(build_web_app(settings, CollectorRegistry()))) as c:
        yield c


async def test_the_api_lists_the_contacts_after_the_effective_date(client: Client) -> None:
    response = await client.get(
        "/v1/reports/after-effective-date", headers={"Authorization": "Bearer key-acme"}
    )
    assert response.status == 200
    report = AfterEffectiveReport.model_validate(await response.json())
    assert (report.tenant_id, report.flags, report.contacts) == ("acme", 1, 1)
    [row] = report.rows
    assert (row.debtor_id, row.account_id, row.flag) == ("d1", "a1", "bankruptcy")
    assert row.effective_date.isoformat() == EFFECTIVE
    assert row.complete is True
    [contact] = row.contacts
    assert contact.handed_to_dispatch_at == NOON_UTC - 2 * DAY


async def test_the_api_names_an_unknown_parameter_and_needs_a_key(client: Client) -> None:
    path = "/v1/reports/after-effective-date"
    bad = await client.get(f"{path}?since=2026-01-01", headers={"Authorization": "Bearer key-acme"})
    assert bad.status == 400
    assert (await bad.json())["error"]["parameter"] == "since"
    assert (await client.get(path)).status == 401


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_the_cli_prints_the_same_list(
    settings: Settings, seeded: None, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setenv("RECAUDO_REDIS_URL", settings.redis_url)
    monkeypatch.setenv("RECAUDO_REDIS_PREFIX", settings.redis_prefix)
    monkeypatch.setenv("RECAUDO_TENANTS", settings.tenants)
    args = ["report", "--tenant", "acme", "--after-effective-date", "--format", fmt]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    contacted = (NOON_UTC - 2 * DAY).isoformat(timespec="seconds")
    if fmt == "csv":
        [line] = list(csv.DictReader(io.StringIO(result.output)))
        assert (line["debtor"], line["flag"], line["effective"]) == ("d1", "bankruptcy", EFFECTIVE)
        assert line["contacted_at"] == contacted
    elif fmt == "json":
        assert AfterEffectiveReport.model_validate_json(result.output).contacts == 1
    else:
        assert "1 contacts under 1 late flags" in result.output
        assert contacted in result.output
        assert "g1" not in result.output
