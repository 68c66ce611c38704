"""The web app with payment providers in the sandbox, a decide stage in-process, and
debtors with a dispatched contact and its pay link: what the pay-link tests share."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson
import redis.asyncio as aioredis
from aiohttp.test_utils import TestServer
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from recaudo.channels.content.paylink import PayDestination
from recaudo.channels.credentials import ProviderCredentials, dump_credentials
from recaudo.channels.directory import ContactDirectory, ContactRef
from recaudo.channels.payments.base import (
    MercadoPagoAccount,
    PaymentAccounts,
    StripeAccount,
)
from recaudo.channels.sandbox.payments_api import PaymentsSandbox
from recaudo.contracts.events import Channel
from recaudo.embedded import free_port
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.streams.decision_stage import Inbound, Prepared
from recaudo.streams.wiring import Wiring, pay_links
from recaudo.web import build_web_app
from tests.conftest import SettingsFactory
from tests.integration.harness import (
    Bus,
    Record,
    account_event,
    dry_run_wiring,
    zone_with_local_hour,
)

ACCOUNTS = PaymentAccounts(
    stripe=StripeAccount(
        secret_key=SecretStr("sk_test_sandbox"), webhook_secret=SecretStr("whsec_sandbox")
    ),
    mercadopago=MercadoPagoAccount(
        access_token=SecretStr("TEST-0000-sandbox"), webhook_secret=SecretStr("mp-sandbox-secret")
    ),
    routes={"MXN": "mercadopago", "BRL": "pix"},
    default="stripe",
)


@dataclass
class Loop:
    settings: Settings
    base: str
    sandbox: PaymentsSandbox
    wiring: Wiring
    bus: Bus
    http: aiohttp.ClientSession


@asynccontextmanager
async def start_loop(make_settings: SettingsFactory, tmp_path: Path) -> AsyncIterator[Loop]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    providers = tmp_path / "providers.json"
    providers.write_bytes(dump_credentials(ProviderCredentials(payments=ACCOUNTS)))
    async with PaymentsSandbox(ACCOUNTS, base) as sandbox:
        settings = make_settings(
            pay_link_secret="pay-test-secret",
            providers_file=str(providers),
            provider_base_url=sandbox.url,
            public_base_url=base,
        )
        app = build_web_app(settings, CollectorRegistry())
        wiring = dry_run_wiring(settings)
        async with (
            TestServer(app, host="127.0.0.1", port=port),
            Bus(settings) as bus,
            aiohttp.ClientSession() as http,
        ):
            yield Loop(settings, base, sandbox, wiring, bus, http)
        await wiring.close()


def inbound(loop: Loop, topic: str, event: Record, offset: int) -> Inbound:
    value = {k: v for k, v in event.items() if k != "_topic"}
    return Inbound(
        topic=loop.settings.topic_prefix + topic,
        partition=0,
        offset=offset,
        key=str(event["debtor_id"]).encode(),
        value=orjson.dumps(value),
        timestamp=dt.datetime.now(dt.UTC).timestamp(),
    )


async def debtor_with_contact(
    loop: Loop, debtor: str, currency: str, language: str, due_minor: int = 10_000
) -> tuple[str, str]:
    """A delinquent account decided by the real stage, its contact's pay link remembered
    as the dispatcher does; returns (pay URL path, contact id)."""
    zone = zone_with_local_hour(range(10, 19))
    account = account_event(debtor, due_minor=due_minor, channels=("sms",), timezone=zone)
    for money in ("balance", "amount_due"):
        account[money]["currency"] = currency
    account["language"] = language
    prepared = await decide(loop, "accounts", account, 1)
    contacts = [d.contact_id for d in prepared.decisions if d.action.value == "contact"]
    assert contacts, [d.action for d in prepared.decisions]
    contact = str(contacts[0])
    now = dt.datetime.now(dt.UTC)
    token, expires = pay_links(loop.settings).token("acme", contact, debtor, now)
    ref = ContactRef(
        tenant_id="acme",
        contact_id=contact,
        debtor_id=debtor,
        account_id=f"A-{debtor}",
        channel=Channel.SMS,
        address="+15551230001",
    )
    client = aioredis.Redis.from_url(loop.settings.redis_url)
    try:
        directory = ContactDirectory(client, Keys(loop.settings.redis_prefix), 3600)
        pay = PayDestination("PR-1", f"A-{debtor}")
        await directory.remember(ref, now=now, pay=pay, pay_expires_at=expires)
    finally:
        await client.aclose()
    return f"/pay/{token}", contact


async def decide(loop: Loop, topic: str, event: Record, offset: int) -> Prepared:
    """``event`` through the real decide stage, committed."""
    prepared = await loop.wiring.decision_stage.prepare([inbound(loop, topic, event, offset)])
    await loop.wiring.decision_stage.commit(prepared)
    return prepared
