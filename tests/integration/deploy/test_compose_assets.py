"""The sample compose stack's files exist and its Prometheus config is valid."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def test_every_file_the_compose_stack_mounts_exists() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    mounted = re.findall(r"- (\.{1,2}/[^:\s]+):", text)
    assert len(mounted) >= 5
    missing = [m for m in mounted if not (DEPLOY / m).exists()]
    assert not missing


def test_prometheus_config_with_the_alert_rules_passes_promtool(tmp_path: Path) -> None:
    shutil.copy(DEPLOY / "prometheus" / "prometheus.yml", tmp_path)
    shutil.copy(DEPLOY.parent / "dashboards" / "prometheus" / "recaudo.rules.yml", tmp_path)
    promtool = shutil.which("promtool") or "promtool"
    result = subprocess.run(
        [promtool, "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
