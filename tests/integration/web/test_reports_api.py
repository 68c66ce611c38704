"""GET /v1/reports/outcomes, the outcome gauges and ``recaudo report``, against real Redis."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import orjson
import pytest
import redis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner
from prometheus_client import CollectorRegistry

from recaudo.cli import main
from recaudo.contracts.state import OutcomeSummary
from recaudo.foundation.config import Settings
from recaudo.streams.reports import OutcomeReport
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change
from recaudo.web import build_web_app
from recaudo.web.reports import refresh_outcome_metrics
from tests.conftest import SettingsFactory
from tests.integration.web.conftest import commit_states

pytestmark = pytest.mark.integration
AUTH = {"Authorization": "Bearer key-acme"}
Client = TestClient[web.Request, web.Application]

DEBTORS = {  # tenant -> debtor -> (arm, recovered, contacts by channel)
    "acme": {
        "a1": ("champion", 500, {"sms": 2}),
        "a2": ("champion", 300, {"sms": 1, "email": 1}),
        "a3": ("holdout", 100, {}),
        "a4": ("holdout", 0, {}),
    },
    "globex": {"g1": ("champion", 9999, {"sms": 5}), "g2": ("holdout", 0, {})},
}


def state(arm: str, rec: int, by_ch: dict[str, int]) -> DebtorState:
    out = OutcomeSummary(
        arm=arm, strat="exp", cur="USD", owed=1000, rec=rec, n=sum(by_ch.values()), by_ch=by_ch
    )
    return DebtorState(out=out)


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings(tenants="acme,globex", report_refresh_s=3600)


@pytest.fixture
async def seeded(settings: Settings) -> None:
    changes = [
        Change((tenant, debtor), state(*row), [], [])
        for tenant, debtors in DEBTORS.items()
        for debtor, row in debtors.items()
    ]
    await commit_states(settings, changes)


@pytest.fixture
async def app(settings: Settings, seeded: None) -> AsyncIterator[tuple[Client, CollectorRegistry]]:
    registry = CollectorRegistry()
    async with TestClient(TestServer(build_web_app(settings, registry))) as test_client:
        yield test_client, registry


async def test_needs_a_key(app: tuple[Client, CollectorRegistry]) -> None:
    resp = await app[0].get("/v1/reports/outcomes")
    assert resp.status == 401
    resp = await app[0].get("/v1/reports/outcomes", headers={"Authorization": "Bearer nope"})
    assert resp.status == 401


@pytest.mark.parametrize(
    ("query", "named"),
    [("by=arm,dpd", "by"), ("by=arm&tenant=globex", "tenant"), ("by=", "by"), ("by=,", "by")],
)
async def test_bad_parameter_is_named(
    app: tuple[Client, CollectorRegistry], query: str, named: str
) -> None:
    resp = await app[0].get(f"/v1/reports/outcomes?{query}", headers=AUTH)
    assert resp.status == 400
    assert named in (await resp.json())["error"]["message"]


async def test_a_tenant_sees_only_its_debtors(app: tuple[Client, CollectorRegistry]) -> None:
    resp = await app[0].get("/v1/reports/outcomes?by=arm&by=channel", headers=AUTH)
    assert resp.status == 200
    report = OutcomeReport.model_validate(orjson.loads(await resp.read()))
    assert (report.tenant_id, report.by, report.debtors) == ("acme", ["arm", "channel"], 4)
    champion = next(g for g in report.groups if g.arm == "champion")
    assert (champion.debtors, champion.recovered, champion.contacts) == (2, 800, 4)
    assert champion.vs_holdout is not None
    assert champion.vs_holdout.incremental_recovered_per_debtor.estimate == 350  # 400 - 50
    assert [(c.channel, c.contacts) for c in report.channels] == [("email", 1), ("sms", 3)]


async def test_gauges_carry_the_headline_figures(app: tuple[Client, CollectorRegistry]) -> None:
    client, registry = app
    await refresh_outcome_metrics(client.app)
    labels = {"tenant": "acme", "strategy": "exp", "arm": "champion", "currency": "USD"}
    per_debtor = "recaudo_outcome_incremental_recovered_per_debtor"
    assert registry.get_sample_value(per_debtor, {**labels, "bound": "estimate"}) == 350
    low = registry.get_sample_value(per_debtor, {**labels, "bound": "low"})
    high = registry.get_sample_value(per_debtor, {**labels, "bound": "high"})
    assert low is not None
    assert high is not None
    assert low < 350 < high
    per_contact = "recaudo_outcome_incremental_recovered_per_contact"
    assert registry.get_sample_value(per_contact, {**labels, "bound": "estimate"}) == 175
    assert registry.get_sample_value("recaudo_outcome_recovery_rate", labels) == 0.4
    assert registry.get_sample_value("recaudo_outcome_contacts", labels) == 4
    globex = {**labels, "tenant": "globex"}
    assert registry.get_sample_value("recaudo_outcome_contacts", globex) == 5
    # globex's holdout has one debtor: an estimate, no interval bounds.
    assert registry.get_sample_value(per_debtor, {**globex, "bound": "low"}) is None


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_cli_formats(
    settings: Settings, seeded: None, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setenv("RECAUDO_REDIS_URL", settings.redis_url)
    monkeypatch.setenv("RECAUDO_REDIS_PREFIX", settings.redis_prefix)
    monkeypatch.setenv("RECAUDO_TENANTS", settings.tenants)
    result = CliRunner().invoke(main, ["report", "--tenant", "acme", "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        report = OutcomeReport.model_validate_json(result.output)
        assert [(g.arm, g.debtors) for g in report.groups] == [("champion", 2), ("holdout", 2)]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.output)))
        assert [(r["arm"], r["recovered"]) for r in rows] == [
            ("champion", "800"),
            ("holdout", "100"),
        ]
    else:
        assert "Outcomes for tenant acme: 4 enrolled debtors" in result.output
        assert "+$3.50 [" in result.output  # 350 cents, in dollars


def test_cli_names_a_bad_grouping(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECAUDO_REDIS_PREFIX", settings.redis_prefix)
    monkeypatch.setenv("RECAUDO_TENANTS", settings.tenants)
    result = CliRunner().invoke(main, ["report", "--tenant", "acme", "--by", "dpd"])
    assert result.exit_code == 2
    assert "--by" in result.output
    assert "'dpd'" in result.output


@pytest.mark.parametrize("kind", [[], ["--credit-bureau"], ["--after-effective-date"]])
def test_cli_refuses_a_tenant_this_deployment_does_not_serve(
    settings: Settings, seeded: None, monkeypatch: pytest.MonkeyPatch, kind: list[str]
) -> None:
    """It printed an empty report, as if the tenant had no debtors."""
    monkeypatch.setenv("RECAUDO_REDIS_URL", settings.redis_url)
    monkeypatch.setenv("RECAUDO_REDIS_PREFIX", settings.redis_prefix)
    monkeypatch.setenv("RECAUDO_TENANTS", settings.tenants)
    result = CliRunner().invoke(main, ["report", "--tenant", "initech", *kind])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for --tenant: 'initech' is not a tenant of this deployment "
        "(RECAUDO_TENANTS, RECAUDO_API_KEYS): it serves acme, globex"
    )


def test_both_tenants_are_seeded(settings: Settings, seeded: None) -> None:
    # The seeded states really are under both tenants (the isolation tests above mean something).
    r = redis.Redis.from_url(settings.redis_url)
    try:
        assert len(list(r.scan_iter(match=f"{settings.redis_prefix}:globex:*:state"))) == 2
    finally:
        r.close()
