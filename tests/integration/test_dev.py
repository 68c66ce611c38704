"""``recaudo dev``: an integrator's own events against the whole stack.

Started as a user starts it (a child process, its banner on stdout), the curl it
prints is what is posted, and Ctrl-C (SIGINT) must leave nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import pytest
import requests

from recaudo.embedded import free_port
from recaudo.examples import EXAMPLES

pytestmark = pytest.mark.integration


def listens(url: str) -> bool:
    parts = urlsplit(url)
    with contextlib.suppress(OSError), socket.create_connection((parts.hostname, parts.port), 0.5):
        return True
    return False


@pytest.fixture
def dev() -> Iterator[tuple[subprocess.Popen[str], dict[str, str], list[str]]]:
    """A running ``recaudo dev``: the process, its banner's fields, its curl lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECAUDO_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "recaudo", "dev", "--port", str(free_port())],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    fields: dict[str, str] = {}
    curls: list[str] = []
    try:
        for line in proc.stdout:
            words = line.split()
            if words[:1] == ["curl"]:
                curls.append(line.strip())
                if len(curls) == 2:
                    break
            elif words[:2] in (["API", "key"], ["web", "API"]):
                fields[words[0]] = words[2]
            elif len(words) >= 2 and line.startswith("  "):
                fields[words[0]] = words[1]
        assert len(curls) == 2, f"no curl lines; exit code {proc.poll()}"
        yield proc, fields, curls
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stdout.close()


def request_of(curl: str) -> tuple[str, str, dict[str, str], bytes | None]:
    """The method, URL, headers and body of a printed ``curl`` line."""
    args = shlex.split(curl)
    method, url, headers, body = "GET", "", {}, None
    it = iter(args[1:])
    for arg in it:
        if arg == "-X":
            method = next(it)
        elif arg == "-H":
            name, _, value = next(it).partition(": ")
            headers[name] = value
        elif arg == "-d":
            body = next(it).encode()
        elif not arg.startswith("-"):
            url = arg
    return method, url, headers, body


def test_the_printed_example_is_accepted_and_shown_and_ctrl_c_cleans_up(
    dev: tuple[subprocess.Popen[str], dict[str, str], list[str]],
) -> None:
    proc, fields, (post, read) = dev
    method, url, headers, body = request_of(post)
    assert method == "POST"
    assert url == f"{fields['web']}/v1/events"
    assert headers["Authorization"] == f"Bearer {fields['API']}"
    assert body is not None
    assert orjson.loads(body) == EXAMPLES["account"]
    resp = requests.post(url, data=body, headers=headers, timeout=10)
    assert resp.status_code == 202, resp.text

    _, debtor_url, debtor_headers, _ = request_of(read)
    assert debtor_url.endswith(f"/v1/debtors/{EXAMPLES['account']['debtor_id']}")
    deadline = time.monotonic() + 60
    seen: dict[str, object] = {}
    while time.monotonic() < deadline:
        seen = requests.get(debtor_url, headers=debtor_headers, timeout=10).json()
        if seen.get("known"):
            break
        time.sleep(0.5)
    assert seen.get("known"), f"the worker never decided on the posted debtor: {seen}"
    accounts = seen["accounts"]
    assert isinstance(accounts, list)
    assert accounts[0]["account_id"] == EXAMPLES["account"]["account_id"]

    services = [fields["web"], fields["broker"], fields["redis"]]
    assert all(listens(u) for u in services)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(60) == 0
    assert not [u for u in services if listens(u)], "a server outlived recaudo dev"
    assert not Path(fields["logs"]).exists(), "the work folder is removed"
