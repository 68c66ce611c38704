"""The sandbox stamps the webhooks it sends on its clock, not the wall's.

In the demo the sandbox is the world and runs on the demo's clock: a reply or a
receipt stamped with wall time lands months from the worker's "now", and the
decide stage dead-letters it (a payment falls outside every attribution window).
Here its clock is far from the wall, and the events our real verifiers and
webhook service make of its webhooks carry that clock's time. The signatures'
own timestamps stay wall time: the verifiers check them against the wall.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import test_utils, web
from cryptography.hazmat.primitives.asymmetric import ec

from recaudo.channels.credentials import ProviderCredentials
from recaudo.channels.directory import ContactDirectory
from recaudo.channels.dispatch.dispatcher import Dispatcher
from recaudo.channels.dispatch.ledger import ContactLedger
from recaudo.channels.factory import build_providers
from recaudo.channels.payments.base import PaymentNotice, PaymentProvider
from recaudo.channels.payments.mercadopago import MercadoPagoProvider
from recaudo.channels.payments.stripe import StripeProvider
from recaudo.channels.sandbox import Sandbox
from recaudo.channels.sandbox.payments_api import PaymentsSandbox
from recaudo.channels.status_machine import StatusMachine
from recaudo.channels.webhooks.base import WebhookRequest
from recaudo.contracts.events import Channel
from recaudo.foundation.clock import SimulatedClock
from tests.unit.channels.channels_testkit import Hooks
from tests.unit.channels.test_channels_dispatch import command as dispatch_command

#: The demo's first day: months from the wall clock whenever the tests run.
THEN = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
ADDRESS = "+34600111222"


def at(event: dict[str, object]) -> dt.datetime:
    return dt.datetime.fromisoformat(str(event["occurred_at"]))


async def no_sleep(seconds: float) -> None:
    return None


@pytest.fixture
async def simulated_sandbox(
    sandbox_creds: tuple[ProviderCredentials, ec.EllipticCurvePrivateKey], hooks: Hooks
) -> AsyncIterator[Sandbox]:
    creds, key = sandbox_creds
    box = Sandbox(
        creds, sendgrid_private_key=key, webhook_base_url=hooks.base_url, clock=SimulatedClock(THEN)
    )
    await box.start()
    yield box
    await box.stop()


async def test_replies_and_receipts_carry_the_sandbox_clock(
    simulated_sandbox: Sandbox,
    sandbox_creds: tuple[ProviderCredentials, ec.EllipticCurvePrivateKey],
    hooks: Hooks,
    ledger: ContactLedger,
    directory: ContactDirectory,
    machine: StatusMachine,
) -> None:
    async with aiohttp.ClientSession() as session:
        providers = build_providers(
            session,
            sandbox_creds[0],
            webhook_base_url=hooks.base_url,
            base_url=simulated_sandbox.url,
        )
        dispatcher = Dispatcher(
            providers, ledger, directory, machine, sleep=no_sleep, rng=lambda: 1.0
        )
        # Decided on the directory's (wall) clock, so the reply finds its contact; only
        # the sandbox, standing for the providers, runs on the simulated one.
        now = dt.datetime.now(dt.UTC)
        for contact_id, channel, address in [
            ("c-wa", Channel.WHATSAPP, ADDRESS),
            ("c-mail", Channel.EMAIL, "deudor@example.com"),
        ]:
            sent = await dispatcher.dispatch(
                dispatch_command(
                    contact_id,
                    channel,
                    address,
                    send_at=now,
                    expires_at=now + dt.timedelta(hours=2),
                ),
                now,
            )
            assert sent.sent
        await simulated_sandbox.drain()
        assert await simulated_sandbox.inbound("meta", ADDRESS, "STOP") == 200

    assert all(status == 200 for _, status in simulated_sandbox.webhook_results)
    receipts = {(e["provider"], e["status"]) for e in hooks.publisher.on("deliveries")}
    assert {("meta", "delivered"), ("sendgrid", "delivered")} <= receipts
    assert {at(e) for e in hooks.publisher.on("deliveries")} == {THEN}
    (reply,) = hooks.publisher.on("responses")
    assert (reply["channel"], reply["intent"]) == ("whatsapp", "opt_out")
    assert at(reply) == THEN
    assert {m.received_at for m in simulated_sandbox.messages} == {THEN.timestamp()}


class Captured:
    """Our payment webhook routes' stand-in: keeps what the providers posted."""

    def __init__(self) -> None:
        self.requests: list[WebhookRequest] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(
            WebhookRequest(
                request.method,
                str(request.url),
                request.headers.copy(),
                dict(request.query),
                await request.read(),
                request.content_type,
            )
        )
        return web.json_response({"received": True})


@pytest.mark.parametrize(("currency", "amount"), [("EUR", "1250"), ("MXN", "125000")])
async def test_payments_are_paid_at_the_sandbox_clock(
    sandbox_creds: tuple[ProviderCredentials, ec.EllipticCurvePrivateKey],
    currency: str,
    amount: str,
) -> None:
    accounts = sandbox_creds[0].payments
    assert accounts is not None
    assert accounts.stripe is not None
    assert accounts.mercadopago is not None
    captured = Captured()
    app = web.Application()
    app.router.add_post("/webhooks/payments/{provider}", captured.handle)
    async with (
        test_utils.TestServer(app, host="127.0.0.1") as hooks,
        aiohttp.ClientSession() as http,
    ):
        base = str(hooks.make_url("")).rstrip("/")
        async with PaymentsSandbox(accounts, base, clock=SimulatedClock(THEN)) as payments:
            provider: PaymentProvider
            if accounts.provider_for(currency) == "stripe":
                provider = StripeProvider(accounts.stripe)
                form = {
                    "line_items[0][price_data][currency]": currency.lower(),
                    "line_items[0][price_data][unit_amount]": amount,
                }
                headers = {"Authorization": "Bearer sk_test_sandbox"}
                async with http.post(
                    f"{payments.url}/v1/checkout/sessions", data=form, headers=headers
                ) as resp:
                    checkout = str((await resp.json())["id"])
            else:
                provider = MercadoPagoProvider(accounts.mercadopago, api_base=payments.url)
                item = {"currency_id": currency, "unit_price": 1250, "quantity": 1}
                preference = {"items": [item], "notification_url": f"{base}/webhooks/payments/mp"}
                checkout = str(
                    (await provider.call(http, "POST", "/checkout/preferences", preference))["id"]
                )
            assert await payments.pay(checkout) == 200
            (request,) = captured.requests
            notices: list[PaymentNotice] = await provider.notices(provider.verify(request), http)
    assert [n.paid_at for n in notices] == [THEN]
