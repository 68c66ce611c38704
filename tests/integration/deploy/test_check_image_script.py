"""deploy/check-image.sh: shellcheck-clean, and its steps against a stand-in ``docker``.

No Docker daemon is needed: a fake ``docker`` on PATH records each call and
answers as Compose v2 would, so the build -> up -> wait for healthy -> down
sequence, the Compose v1 refusal and the unhealthy exit are all exercised.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
SCRIPT = Path(__file__).resolve().parents[3] / "deploy" / "check-image.sh"

FAKE_DOCKER = """#!/usr/bin/env bash
echo "$*" >> "$DOCKER_LOG"
case "$*" in
    "compose version --short") echo "$COMPOSE_VERSION" ;;
    *" ps -q "*) echo "id-${@: -1}" ;;
    "inspect "*) if [[ "${@: -1}" == id-web ]]; then echo "$WEB_HEALTH"; else echo healthy; fi ;;
esac
"""


def run(
    tmp_path: Path, *args: str, compose: str = "2.29.1", web: str = "healthy"
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER)
    docker.chmod(docker.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "docker.log"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "DOCKER_LOG": str(log),
        "COMPOSE_VERSION": compose,
        "WEB_HEALTH": web,
    }
    done = subprocess.run(
        ["bash", str(SCRIPT), "--timeout", "5", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return done, calls


def test_the_script_passes_shellcheck() -> None:
    binary = shutil.which("shellcheck")
    assert binary, "shellcheck missing: `make system-deps` installs Debian's shellcheck"
    result = subprocess.run([binary, str(SCRIPT)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_builds_starts_waits_for_both_healthy_and_cleans_up(tmp_path: Path) -> None:
    done, calls = run(tmp_path, "--base", "local/python:3.11")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: image recaudo:dev built; worker and web are healthy" in done.stdout
    assert calls[0] == "compose version --short"
    assert calls[1].startswith("build --build-arg PYTHON_IMAGE=local/python:3.11 -t recaudo:dev")
    assert "up -d --no-build kafka redis worker web" in calls[2]
    assert any(c.endswith("ps -q worker") for c in calls)
    assert any(c.endswith("ps -q web") for c in calls)
    assert calls[-1].endswith("down -v --remove-orphans")


def test_refuses_compose_v1_in_one_message(tmp_path: Path) -> None:
    done, calls = run(tmp_path, compose="")
    assert done.returncode == 2
    assert "needs Docker Compose v2" in done.stderr
    assert calls == ["compose version --short"]  # nothing built


def test_an_unhealthy_container_fails_with_its_logs(tmp_path: Path) -> None:
    done, calls = run(tmp_path, web="unhealthy")
    assert done.returncode == 1
    assert "FAILED: worker healthy, web unhealthy" in done.stderr
    assert any("logs --tail 50 worker web" in c for c in calls)
    assert calls[-1].endswith("down -v --remove-orphans")


def test_dry_run_prints_the_steps_and_calls_no_docker(tmp_path: Path) -> None:
    done, calls = run(tmp_path, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert calls == []
    printed = [line for line in done.stdout.splitlines() if line.startswith("+ ")]
    assert printed[0].startswith("+ docker build -t recaudo:dev")
    assert printed[-1].endswith("down -v --remove-orphans")
