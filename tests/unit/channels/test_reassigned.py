"""The Reassigned Numbers Database through its port and cache (issue 26, part 7).

FCC DA 21-1649: the database answers "yes" when the number was permanently
disconnected on or after the date asked, "no" when not, "no data" when it
cannot tell. A number disconnected since the debtor's consent is not called.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import aiohttp
import pytest
from pydantic import SecretStr

from recaudo.channels.reassigned import ReassignedCache, RndClient
from recaudo.channels.sandbox import Sandbox, sandbox_credentials
from recaudo.channels.sandbox.rnd_api import COMPANY_ID, REFRESH_TOKEN
from recaudo.contracts.events import Channel
from recaudo.foundation.clock import SimulatedClock
from recaudo.rules.base import ContactProposal
from recaudo.rules.engine import evaluate

NUMBER = "+12125550142"
CONSENT = dt.date(2024, 3, 1)
START = dt.datetime(2025, 6, 10, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
async def rnd() -> AsyncIterator[tuple[Sandbox, RndClient]]:
    creds, key = sandbox_credentials()
    async with Sandbox(creds, sendgrid_private_key=key) as sandbox, aiohttp.ClientSession() as s:
        yield sandbox, RndClient(s, SecretStr(REFRESH_TOKEN), COMPANY_ID, base_url=sandbox.url)


def call(check_at: dt.datetime, cache: ReassignedCache) -> ContactProposal:
    return ContactProposal(
        jurisdiction="US-NY",
        timezone="America/New_York",
        channel=Channel.VOICE,
        at=check_at,
        consent_at=CONSENT,
        reassigned_check=cache.last(NUMBER),
    )


async def test_disconnected_since_consent_is_not_used_and_the_reason_audited(
    rnd: tuple[Sandbox, RndClient],
) -> None:
    sandbox, client = rnd
    sandbox.rnd.disconnect(NUMBER, dt.date(2025, 1, 20))
    cache = ReassignedCache(client, SimulatedClock(START))
    check = await cache.check(NUMBER, CONSENT)
    assert check.result == "yes"
    assert sandbox.rnd.queries == [{"tn": "2125550142", "date": "2024-03-01"}]
    verdict = evaluate(call(START, cache))
    assert verdict.action == "suppress"
    assert verdict.decided_by == ("suppress.reassigned_number",)
    [reason] = verdict.reasons
    assert reason.params["result"] == "yes"
    assert reason.params["consent_at"] == "2024-03-01"
    assert reason.params["checked_at"] == START.isoformat()
    assert reason.params["kind"] == "policy_default"


async def test_fresh_check_is_used_without_asking_again(rnd: tuple[Sandbox, RndClient]) -> None:
    sandbox, client = rnd
    clock = SimulatedClock(START)
    cache = ReassignedCache(client, clock)
    assert (await cache.check(NUMBER, CONSENT)).result == "no"
    clock.advance_to(START + dt.timedelta(days=10))
    # A later consent is covered by "no disconnection since an earlier date".
    assert (await cache.check(NUMBER, CONSENT + dt.timedelta(days=30))).result == "no"
    assert len(sandbox.rnd.queries) == 1
    assert evaluate(call(START, cache)).action == "allow"


async def test_stale_or_older_consent_asks_again(rnd: tuple[Sandbox, RndClient]) -> None:
    sandbox, client = rnd
    clock = SimulatedClock(START)
    cache = ReassignedCache(client, clock)
    await cache.check(NUMBER, CONSENT)
    await cache.check(NUMBER, CONSENT - dt.timedelta(days=1))
    clock.advance_to(START + dt.timedelta(days=45))
    sandbox.rnd.disconnect(NUMBER, dt.date(2025, 7, 1))
    again = await cache.check(NUMBER, CONSENT - dt.timedelta(days=1))
    assert again.result == "yes"
    assert again.checked_at == START + dt.timedelta(days=45)
    assert len(sandbox.rnd.queries) == 3


async def test_before_the_data_began_the_database_says_no_data(
    rnd: tuple[Sandbox, RndClient],
) -> None:
    _, client = rnd
    assert await client.disconnected_since(NUMBER, dt.date(2020, 12, 1)) == "no_data"
