"""Running ``recaudo`` subcommands as child processes (demo, tests, benchmarks)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from recaudo.contracts.topics import Topics
from recaudo.embedded import die_with_parent, free_port
from recaudo.foundation.config import Settings
from recaudo.foundation.kafka_security import ensure_settings_topics


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a child's ``Settings()`` equal ``settings``.

    The parent's own ``RECAUDO_*`` variables are left out: the child takes
    exactly these settings, and an unknown name would stop it.
    """
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("RECAUDO_")}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        raw = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        env[f"RECAUDO_{name.upper()}"] = str(raw)
    return env


class Process:
    """A ``recaudo`` subcommand in its own process, logging to a file."""

    def __init__(
        self,
        args: list[str],
        settings: Settings,
        log: Path,
        port: int = 0,
        *,
        command: list[str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        """``command`` replaces ``python -m recaudo`` (an installed console script)."""
        self.log = log
        self.port = port
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [*(command or [sys.executable, "-m", "recaudo"]), *args],
                env=settings_env(settings),
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                preexec_fn=die_with_parent,
            )

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed or committed."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


async def wait_ready(port: int, proc: Process, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if proc.proc.poll() is not None:
                raise RuntimeError(f"process exited early:\n{proc.tail()}")
            try:
                async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"not ready within {timeout_s} s:\n{proc.tail()}")


async def start_worker(settings: Settings, log: Path, loglevel: str = "warning") -> Process:
    """A worker on a free probe port, returned once its /readyz says ready."""
    port = free_port()
    settings = settings.model_copy(update={"worker_web_port": port})
    await ensure_settings_topics(settings, Topics(settings.topic_prefix).all)
    proc = Process(["worker", "--loglevel", loglevel], settings, log, port)
    try:
        await wait_ready(port, proc)
    except BaseException:
        proc.stop()  # nobody else holds it to stop
        raise
    return proc
