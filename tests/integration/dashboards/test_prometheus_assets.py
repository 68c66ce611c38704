"""Prometheus rules checked and unit-tested by the real promtool; dashboards query real metrics."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from recaudo import dashboards
from recaudo.embedded import free_port
from recaudo.foundation.config import Settings
from recaudo.processes import Process, start_worker, wait_ready
from tests.conftest import SettingsFactory

pytestmark = pytest.mark.integration
METRIC = re.compile(r"\b(?:recaudo|process)_[a-z_]+\b")


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    assert binary, "promtool missing: `make system-deps` installs Debian's prometheus package"
    return subprocess.run(
        [binary, *args], capture_output=True, text=True, cwd=dashboards.RULES.parent, check=False
    )


def test_rules_are_valid() -> None:
    result = promtool("check", "rules", dashboards.RULES.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_rules_unit_tests_pass() -> None:
    result = promtool("test", "rules", dashboards.RULES_TEST.name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_example_scrape_config_is_valid() -> None:
    result = promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


async def scrape(port: int) -> str:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as r:
        assert r.status == 200
        return await r.text()


async def dry_run_series(settings: Settings, tmp_path: Path) -> set[str]:
    """Every metric and sample name ``recaudo worker`` and ``recaudo web`` export in a
    dry run (no provider credentials), read from their /metrics as Prometheus would."""
    assert settings.dry_run
    web_port = free_port()
    settings = settings.model_copy(update={"web_port": web_port})
    worker = await start_worker(settings, tmp_path / "worker.log")
    web = Process(["web"], settings, tmp_path / "web.log", web_port)
    try:
        await wait_ready(web_port, web)
        texts = [await scrape(worker.port), await scrape(web_port)]
    finally:
        web.stop()
        worker.stop()
    names: set[str] = set()
    for text in texts:
        for family in text_string_to_metric_families(text):
            # A labelled family with no child yet is still listed (HELP and TYPE):
            # present at 0 for a query, where a never-registered name is absent.
            names.add(family.name)
            names.update(f"{family.name}{end}" for end in ("_total", "_bucket", "_count", "_sum"))
            names.update(sample.name for sample in family.samples)
    return names


def queried() -> dict[str, set[str]]:
    """Metric names each query file reads: the Grafana dashboards and the alert rules."""
    out = {}
    for board in sorted(dashboards.DASHBOARD.parent.glob("*.json")):
        data = json.loads(board.read_text())
        exprs = [t["expr"] for panel in data["panels"] for t in panel.get("targets", [])]
        out[board.name] = {m for expr in exprs for m in METRIC.findall(expr)}
    out[dashboards.RULES.name] = set(METRIC.findall(dashboards.RULES.read_text()))
    return out


def test_the_query_files_are_found() -> None:
    found = queried()
    assert len(found) >= 2
    assert {"recaudo_decisions_total", "recaudo_webhooks_total"} <= set().union(*found.values())


async def test_dashboards_and_rules_query_only_what_a_dry_run_exports(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    exported = await dry_run_series(make_settings(data_dir=str(tmp_path / "data")), tmp_path)
    unknown = {name: sorted(m - exported) for name, m in queried().items() if m - exported}
    assert not unknown, f"queried but not exported by a dry run: {unknown}"


def test_the_example_scrape_config_targets_the_ports_the_processes_listen_on() -> None:
    config = (dashboards.RULES.parent / "prometheus.yml").read_text()
    defaults = Settings()
    jobs = re.findall(
        r"job_name: (\S+)\n\s+static_configs:\n\s+- targets: \[\"([^\"]+)\"\]", config
    )
    assert dict(jobs) == {
        "recaudo-worker": f"{defaults.web_host}:{defaults.worker_web_port}",
        "recaudo-web": f"{defaults.web_host}:{defaults.web_port}",
    }


def test_every_panel_has_one_unit_and_the_variables_exist() -> None:
    dashboard = json.loads(dashboards.DASHBOARD.read_text())
    names = {v["name"] for v in dashboard["templating"]["list"]}
    assert {"job", "instance", "tenant"} <= names
    for panel in (p for p in dashboard["panels"] if p["type"] != "row"):  # a row holds no data
        assert panel["fieldConfig"]["defaults"]["unit"], panel["title"]
        assert not panel["fieldConfig"]["overrides"], f"one unit per panel: {panel['title']}"
        for target in panel["targets"]:
            assert 'job=~"$job"' in target["expr"], target["expr"]
