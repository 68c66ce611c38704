"""The local stack both contact-loop files run on, and their small waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from importlib.resources import files

import aiohttp
import orjson
import pytest
import redis

from recaudo.rules.policy import default_policy
from recaudo.stack import TENANT, Stack, local_stack
from tests.integration.harness import Record


def cadence_policies(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A policy folder with the built-in policy on its static cadence: these files test
    the loop's mechanics, so every cadence step must contact at once."""
    policies = tmp_path_factory.mktemp("policies")
    builtin = files("recaudo.rules").joinpath("default_policy.toml").read_text(encoding="utf-8")
    cadence = builtin.replace('mode = "adaptive"', 'mode = "cadence"', 1)
    assert cadence != builtin
    (policies / f"{TENANT}.toml").write_text(cadence, encoding="utf-8")
    return str(policies)


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """The demo stack on the static cadence (``cadence_policies``)."""
    async with local_stack(policy_dir=cadence_policies(tmp_path_factory)) as running:
        yield running
    # What the demo runs on leaves nothing behind: no Redis, no work folder.
    assert not running.workdir.exists()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(running.settings.redis_url, socket_connect_timeout=1).ping()


def treated_debtor(prefix: str) -> str:
    """A debtor outside the default policy's holdout (the control group gets no contact)."""
    policy = default_policy()
    return next(
        f"{prefix}{i}" for i in range(100) if not policy.assign(TENANT, f"{prefix}{i}").holdout
    )


async def until(check: Callable[[], bool], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def post_event(stack: Stack, event: Record) -> None:
    """POST one event to the live web API; it must be accepted."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{stack.web_url}/v1/events", data=orjson.dumps(event), headers=stack.auth
        ) as resp,
    ):
        assert resp.status == 202, await resp.text()


def suppressed(debtor: str, rule_id: str) -> Callable[[list[Record]], bool]:
    """``Bus.collect``'s condition: the debtor has a suppression decided by ``rule_id``."""

    def seen(records: list[Record]) -> bool:
        return any(
            r["action"] == "suppress" and r["reasons"][0]["rule_id"] == rule_id
            for r in records
            if r["debtor_id"] == debtor
        )

    return seen
