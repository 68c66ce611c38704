"""A worker told to stop exits in bounded time, even when its broker is gone."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from recaudo.embedded import start_broker
from tests.conftest import SettingsFactory
from tests.integration.harness import start_worker

pytestmark = pytest.mark.integration


async def test_sigterm_after_the_broker_died_still_stops_the_worker(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    broker = start_broker()  # its own: this test kills it
    settings = make_settings(shutdown_deadline_s=3.0).model_copy(update={"broker_url": broker.url})
    worker = await start_worker(settings, tmp_path / "worker.log")
    broker.stop()
    await asyncio.sleep(1)
    started = time.monotonic()
    worker.proc.send_signal(signal.SIGTERM)
    while worker.proc.poll() is None and time.monotonic() - started < 30:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    assert worker.proc.poll() is not None, "still running 30 s after SIGTERM"
    assert time.monotonic() - started < 20
