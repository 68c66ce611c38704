"""No secret is ever printed: each secret-bearing setting holds a unique canary.

The API keys, the payment-link secret, the SASL password, the password in the
broker's and Redis's URLs (Redis really requires it) and every secret of the
provider credentials file are canaries, and the real ``config``, ``worker``,
``web`` and ``demo`` run with them: intake, decisions and failing provider
sends included. No canary may appear in their output, their logs or either
process's /metrics.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import orjson
import pytest
from pydantic import SecretStr

from recaudo.channels.credentials import ProviderCredentials, dump_credentials
from recaudo.channels.sandbox import sandbox_credentials
from recaudo.embedded import Managed, free_port, redis_server_binary, wait_for_port
from recaudo.foundation.config import Settings
from recaudo.processes import Process, settings_env, start_worker, wait_ready
from recaudo.stack import local_settings
from tests.conftest import POLICIES
from tests.integration.harness import account_event, zone_with_local_hour

pytestmark = pytest.mark.integration


class Canaries:
    """Unique, recognisable strings, one per secret."""

    def __init__(self) -> None:
        self.run = uuid.uuid4().hex[:8]
        self.all: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        self.all[name] = f"CANARY{self.run}{name.replace('_', '').replace('.', '')}"
        return self.all[name]

    def found_in(self, text: str) -> list[str]:
        found = [name for name, value in self.all.items() if value in text]
        # Any fragment of a canary, e.g. cut by a masking that stopped early.
        if not found and f"CANARY{self.run}" in text:
            found.append("a fragment")
        return found


def canary_credentials(canary: Canaries) -> ProviderCredentials:
    """The sandbox's credentials with every secret a canary."""
    creds, _key = sandbox_credentials()
    update = {}
    for provider in ProviderCredentials.model_fields:
        section = getattr(creds, provider)
        if section is None:
            continue
        secrets = {
            name: SecretStr(canary(f"{provider}.{name}"))
            for name, value in section
            if isinstance(value, SecretStr)
        }
        update[provider] = section.model_copy(update=secrets)
    return creds.model_copy(update=update)


@pytest.fixture
def redis_with_password(tmp_path: Path) -> Iterator[tuple[int, str]]:
    """A Redis server of its own that requires a (canary) password."""
    port, password = free_port(), f"CANARY{uuid.uuid4().hex[:8]}redisurl"
    proc = subprocess.Popen(
        [
            redis_server_binary(),
            *("--bind", "127.0.0.1", "--port", str(port), "--dir", str(tmp_path)),
            *("--save", "", "--appendonly", "no", "--requirepass", password),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port, 10, proc)
    yield port, password
    proc.kill()
    proc.wait(10)


def canary_settings(
    broker: Managed, redis: tuple[int, str], canary: Canaries, workdir: Path
) -> Settings:
    port, password = redis
    canary.all["redis_url"] = password
    providers = workdir / "providers.json"
    providers.write_bytes(dump_credentials(canary_credentials(canary)))
    broker_host = broker.url.removeprefix("kafka://")
    return local_settings(
        f"kafka://svc:{canary('broker_url')}@{broker_host}",
        f"redis://:{password}@127.0.0.1:{port}/0",
        f"t{canary.run}",
        tenants="acme",
        api_keys=f"acme:{canary('api_keys')}",
        pay_link_secret=canary("pay_link_secret") + "x" * 32,
        broker_sasl_password=canary("broker_sasl_password"),
        policy_dir=str(POLICIES),
        providers_file=str(providers),
        # Nothing listens there: every send fails, and its errors are logged.
        provider_base_url=f"http://127.0.0.1:{free_port()}",
        web_port=free_port(),
        contact_settle_s=0.5,
        schedule_tick_s=0.2,
        data_dir=str(workdir / "faust"),
    )


def run_cli(args: list[str], settings: Settings, timeout_s: float, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "recaudo", *args],
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
        cwd=cwd,  # the demo's worker keeps its files in the working folder
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout + done.stderr


def around(text: str, needle: str) -> str:
    at = text.find(needle)
    return "" if at < 0 else text[max(0, at - 300) : at + 100]


async def get(url: str, headers: dict[str, str] | None = None) -> str:
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as r:
        return f"{r.status} {await r.text()}"


@pytest.mark.timeout(240)
async def test_no_secret_appears_in_any_output_log_or_metrics(
    broker: Managed, redis_with_password: tuple[int, str], tmp_path: Path
) -> None:
    canary = Canaries()
    settings = canary_settings(broker, redis_with_password, canary, tmp_path)
    outputs: dict[str, str] = {"config": run_cli(["config"], settings, 60, tmp_path)}

    worker = await start_worker(settings, tmp_path / "worker.log", loglevel="info")
    web = Process(["web"], settings, tmp_path / "web.log", settings.web_port)
    try:
        await wait_ready(settings.web_port, web)
        base = f"http://127.0.0.1:{settings.web_port}"
        auth = {"Authorization": f"Bearer {canary.all['api_keys']}"}
        zone = zone_with_local_hour(range(10, 19))
        events = [account_event(f"c{i}", timezone=zone) for i in range(5)]
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{base}/v1/events", data=orjson.dumps(events), headers=auth) as r:
                outputs["intake"] = f"{r.status} {await r.text()}"
                assert r.status == 202, outputs["intake"]
            # A refused key and a refused body: their errors must not echo them either.
            bad = {"Authorization": f"Bearer {canary('refused_key')}"}
            async with http.post(f"{base}/v1/events", data=b"{}", headers=bad) as r:
                outputs["refused"] = f"{r.status} {await r.text()}"
        # Sends go out after the settle and fail (nothing listens): logged.
        deadline = asyncio.get_running_loop().time() + 30
        while "retryable" not in worker.log.read_text(errors="replace"):
            assert asyncio.get_running_loop().time() < deadline, worker.tail()
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)
        outputs["web /metrics"] = await get(f"{base}/metrics")
        outputs["web /readyz"] = await get(f"{base}/readyz")
        outputs["worker /metrics"] = await get(f"http://127.0.0.1:{worker.port}/metrics")
    finally:
        web.stop()
        worker.stop()
    outputs["web log"] = web.log.read_text(errors="replace")
    outputs["worker log"] = worker.log.read_text(errors="replace")
    outputs["demo"] = run_cli(
        ["demo", "--duration", "3", "--debtors", "10", "--port", str(free_port())],
        settings,
        120,
        tmp_path,
    )

    assert "recaudo_http_events_total" in outputs["web /metrics"]
    assert "Recaudo demo" in outputs["demo"]
    leaks = {where: canary.found_in(text) for where, text in outputs.items()}
    shown = {where: around(outputs[where], f"CANARY{canary.run}") for where in outputs}
    assert {where: found for where, found in leaks.items() if found} == {}, shown
