"""Prometheus rules checked and unit-tested by the real promtool; dashboards query real metrics."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from prometheus_client import CollectorRegistry

from recaudo import dashboards
from recaudo.foundation.config import Settings
from recaudo.models import ModelMetrics
from recaudo.streams.metrics import PipelineMetrics
from recaudo.web import build_web_app

pytestmark = pytest.mark.integration
METRIC = re.compile(r"\brecaudo_[a-z_]+\b")


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


async def exported_series() -> set[str]:
    registry = CollectorRegistry()
    PipelineMetrics(registry)
    ModelMetrics(registry)
    build_web_app(Settings(), registry)
    names = set()
    for family in registry.collect():
        names.add(family.name)
        names.update(f"{family.name}{suffix}" for suffix in ("_total", "_bucket", "_count", "_sum"))
    return names


async def test_dashboard_and_rules_only_query_metrics_we_export() -> None:
    dashboard = json.loads(dashboards.DASHBOARD.read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert len(exprs) >= 8
    queried = {m for expr in exprs for m in METRIC.findall(expr)}
    queried |= set(METRIC.findall(dashboards.RULES.read_text()))
    unknown = queried - await exported_series()
    assert not unknown, f"queried but never exported: {sorted(unknown)}"
