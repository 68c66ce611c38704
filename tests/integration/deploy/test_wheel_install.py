"""The wheel the Dockerfile builds, installed outside the checkout, runs worker and web.

The project is copied as the Docker build context is (minus .dockerignore),
built with ``pip wheel --no-deps .`` like the image's build stage, and
installed into a fresh virtualenv in a temporary directory. Its dependencies
come from this test run's environment (pinned by constraints.txt, as in the
image) through a path entry, not re-installed: a full install takes a minute
here and exercises pip, not the package. The processes run from outside the
checkout, so only the installed wheel can be imported.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from recaudo.embedded import Managed, free_port
from recaudo.processes import Process, wait_ready
from recaudo.stack import local_settings
from tests.conftest import POLICIES

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


def _context_ignore(directory: str, names: list[str]) -> set[str]:
    patterns = [
        line.strip().removeprefix("**/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return {n for n in names if any(fnmatch.fnmatch(n, p) for p in patterns)}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel; returns its ``bin`` directory."""
    base = tmp_path_factory.mktemp("wheel")
    context = base / "context"
    shutil.copytree(ROOT, context, symlinks=True, ignore=_context_ignore)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(base / "dist"),
            ".",
        ],
        cwd=context,
        check=True,
    )
    (wheel,) = (base / "dist").glob("recaudo-*.whl")
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=False)
    purelib = next((env_dir / "lib").glob("python3.*/site-packages"))
    # Dependencies from this environment, after the venv's own site-packages.
    (purelib / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            str(wheel),
        ],
        check=True,
    )
    return env_dir / "bin"


def test_the_wheel_holds_every_domain_as_real_files(installed: Path, tmp_path: Path) -> None:
    probe = (
        "import recaudo.streams.app, recaudo.rules, recaudo.dashboards, pathlib;"
        "print(pathlib.Path(recaudo.streams.app.__file__).resolve())"
    )
    out = subprocess.run(
        [str(installed / "python"), "-c", probe],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out.startswith(str(installed.parent)), out
    assert not out.startswith(str(ROOT)), out


async def test_installed_worker_and_web_become_ready(
    installed: Path, broker: Managed, redis_server: Managed, unique: str, tmp_path: Path
) -> None:
    worker_port, web_port = free_port(), free_port()
    settings = local_settings(
        broker.url,
        redis_server.url,
        unique,
        tenants="acme",
        policy_dir=str(POLICIES),
        worker_web_port=worker_port,
        web_port=web_port,
        data_dir=str(tmp_path / "data"),
    )
    command = [str(installed / "recaudo")]
    run_dir = tmp_path / "run"  # the working directory: neither the checkout nor the data dir
    run_dir.mkdir()
    worker = Process(
        ["worker", "--loglevel", "warning"],
        settings,
        tmp_path / "w.log",
        worker_port,
        command=command,
        cwd=run_dir,
    )
    web = Process(["web"], settings, tmp_path / "web.log", web_port, command=command, cwd=run_dir)
    try:
        await wait_ready(web_port, web)
        await wait_ready(worker_port, worker)
        # Faust keeps its app directory (v1/) in the configured data dir.
        assert (tmp_path / "data" / "v1").is_dir()
        assert not (run_dir / "v1").exists()
        assert await _healthcheck(command, worker_port, web_port, tmp_path) == 0
    finally:
        assert worker.stop() == 0, worker.tail()
        web.stop()
    assert await _healthcheck(command, worker_port, web_port, tmp_path) == 1


async def _healthcheck(command: list[str], worker_port: int, web_port: int, cwd: Path) -> int:
    """Exit status of the image's HEALTHCHECK command against these ports."""
    env = {
        **os.environ,
        "RECAUDO_WEB_PORT": str(web_port),
        "RECAUDO_WORKER_WEB_PORT": str(worker_port),
    }
    proc = await asyncio.create_subprocess_exec(*command, "healthcheck", env=env, cwd=cwd)
    return await proc.wait()
