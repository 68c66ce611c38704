"""A lender with only a CRM, a nightly CSV and a payment-provider account runs the
whole loop, on the live stack (broker, worker, web, sandbox providers and payments):
CSV import -> contact -> pay link -> self-service plan -> provider webhook payment
-> cancel -> outbound webhooks received and verified by the CRM, in order, exactly
once per event id."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest

from recaudo.channels.outbound.catalog import EventType
from recaudo.stack import TENANT, Stack, local_stack
from tests.integration.channels.conftest import cadence_policies, treated_debtor, until
from tests.integration.channels.outbound.receiver import Receiver, serving
from tests.integration.harness import zone_with_local_hour

pytestmark = pytest.mark.integration

MAPPING = f"""
format = "csv"
timezone = "UTC"

[event_id]
prefix = "nightly"
columns = ["loan", "as_of"]

[fields]
type = "account"
tenant_id = "{TENANT}"
occurred_at = {{ column = "as_of", as = "datetime", format = "%Y-%m-%dT%H:%M:%S" }}
debtor_id = {{ column = "customer" }}
account_id = {{ column = "loan" }}
balance = {{ column = "balance", as = "money", units = "major", currency_column = "currency" }}
amount_due = {{ column = "due", as = "money", units = "major", currency_column = "currency" }}
due_date = {{ column = "due_date", as = "date", format = "%Y-%m-%d" }}
days_past_due = {{ column = "dpd", as = "int" }}
status = "delinquent"
product = "card"
jurisdiction = "US"
timezone = {{ column = "zone" }}
language = "en"
debtor_name = {{ column = "name" }}
creditor_name = "Acme Bank"
contact_points = [
  {{ channel = "sms", address = {{ column = "mobile" }}, consent = true }},
]
"""


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    # The CRM listens on loopback over HTTP: an operator's explicit allowance.
    overrides = {"webhook_allow_http": True, "webhook_allow_private": True}
    policies = cadence_policies(tmp_path_factory)
    async with local_stack(policy_dir=policies, overrides=overrides) as running:
        yield running


async def register(http: aiohttp.ClientSession, stack: Stack, url: str) -> tuple[str, str]:
    """The CRM's endpoint, subscribed to every type: (endpoint id, secret)."""
    body = {"url": url, "types": [str(t) for t in EventType], "description": "CRM"}
    async with http.post(
        f"{stack.web_url}/v1/webhook-endpoints", data=orjson.dumps(body), headers=stack.auth
    ) as resp:
        assert resp.status == 201, await resp.text()
        created = await resp.json()
        return str(created["endpoint_id"]), str(created["secret"])


def nightly_csv(debtor: str, zone: str) -> bytes:
    """Ana's four loans as of three hours ago: the policy's 3 contacts a rolling day
    hold the fourth dun back, pending."""
    as_of = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S")
    due_date = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=20)).isoformat()
    rows = ["loan,customer,as_of,currency,balance,due,due_date,dpd,zone,name,mobile"]
    for loan, due in (("L-1", "100.00"), ("L-2", "40.00"), ("L-3", "30.00"), ("L-4", "30.00")):
        rows.append(f"{loan},{debtor},{as_of},USD,{due},{due},{due_date},20,{zone},Ana,{PHONE}")
    return ("\n".join(rows) + "\n").encode()


PHONE = "+14155550161"


def types_of(crm: Receiver) -> list[str]:
    return [body["type"] for _, body in crm.received]


def first(crm: Receiver, kind: str) -> dt.datetime:
    """When the first ``kind`` happened (the body's ``timestamp``): webhooks from the
    worker, the dispatcher and the web arrive in any order across producers."""
    return min(
        dt.datetime.fromisoformat(body["timestamp"])
        for _, body in crm.received
        if body["type"] == kind
    )


async def test_a_lender_with_a_crm_a_csv_and_a_provider_runs_the_whole_loop(stack: Stack) -> None:
    debtor = treated_debtor("lender-")
    zone = zone_with_local_hour(range(10, 19))
    async with serving(Receiver(secrets=[])) as crm, aiohttp.ClientSession() as http:
        endpoint, secret = await register(http, stack, crm.url)
        crm.secrets.append(secret)

        # 1. The nightly file, through the HTTP intake.
        form = aiohttp.FormData()
        form.add_field("mapping", MAPPING.encode(), filename="map.toml")
        form.add_field("file", nightly_csv(debtor, zone), filename="accounts.csv")
        async with http.post(f"{stack.web_url}/v1/imports", data=form, headers=stack.auth) as r:
            assert r.status == 202, await r.text()
            assert (await r.json())["sent"] == 4

        # 2. The duns go out; the one for $100.00 carries its pay link.
        def dun() -> str | None:
            found = [
                m.text for m in stack.sandbox.messages if m.to == PHONE and "$100.00" in m.text
            ]
            return found[0] if found else None

        await until(lambda: dun() is not None, 30)
        # The provider has the message before the dispatcher stamps it sent (on the
        # provider's answer): a debtor reads it after that, not within milliseconds.
        # All three duns, not just this one: a plan accepted before a dun is sent
        # cancels that dun too (rightly), and this story's plan cancels only the fourth.
        await until(lambda: types_of(crm).count("contact.sent") >= 3, 30)
        pay = f"{stack.web_url}/pay/"
        link = next(w for w in str(dun()).split() if w.startswith(pay))

        # 3. The debtor opens it and picks a plan of two instalments: the plan cancels
        #    the dun the daily limit held back.
        async with http.get(link) as resp:
            assert resp.status == 200
            assert "$100.00" in await resp.text()
        async with http.post(link + "/plan", data={"instalments": "2"}, allow_redirects=False) as r:
            assert r.status == 303, await r.text()
        await until(lambda: "plan.accepted" in types_of(crm), 30)

        # 4. She pays the first instalment at the provider, which retries its webhook.
        async with http.post(
            link + "/checkout", data={"instalments": "2"}, allow_redirects=False
        ) as r:
            assert r.status == 303, await r.text()
            assert r.headers["Location"].startswith(stack.sandbox.url)
        [checkout] = [
            c for c in stack.payments.checkouts.values() if c.metadata["debtor_id"] == debtor
        ]
        assert (checkout.provider, checkout.amount_minor, checkout.currency) == (
            "stripe",
            5_000,
            "USD",
        )
        assert await stack.payments.pay(checkout.checkout_id) == 200
        assert await stack.payments.redeliver() == 200
        await until(lambda: "promise.kept" in types_of(crm), 30)

        # 5. What the CRM heard: verified by standardwebhooks, each id once, and in
        # causal order by when each happened (never one after what it caused).
        assert crm.unverified == 0
        ids = crm.ids()
        assert len(ids) == len(set(ids)), "a webhook id delivered twice"
        kinds = types_of(crm)
        for once in ("payment_link.clicked", "plan.accepted", "decision.cancelled"):
            assert kinds.count(once) == 1, (once, kinds)
        assert kinds.count("payment.applied") == 1, "the provider's retry is the same payment"
        assert kinds.count("contact.sent") >= 4, "three duns and the plan's confirmation"
        assert first(crm, "contact.sent") <= first(crm, "contact.delivered")
        assert first(crm, "contact.sent") <= first(crm, "payment_link.clicked")
        assert first(crm, "payment_link.clicked") <= first(crm, "plan.accepted")
        assert first(crm, "plan.accepted") <= first(crm, "payment.applied")
        assert first(crm, "decision.cancelled") <= first(crm, "payment.applied")
        assert first(crm, "payment.applied") <= first(crm, "promise.kept")
        data = {body["type"]: body["data"] for _, body in crm.received}
        assert {d["debtor_id"] for d in data.values()} == {debtor}
        assert data["decision.cancelled"]["account_id"] == "L-4"
        applied = data["payment.applied"]
        assert (applied["account_id"], applied["amount"]) == (
            "L-1",
            {"amount_minor": 5_000, "currency": "USD"},
        )
        [accepted] = data["plan.accepted"]["reasons"]
        assert accepted["params"]["instalments"] == 2

        # 6. The delivery log the integrator reads (and /ops shows): every attempt delivered.
        log_url = f"{stack.web_url}/v1/webhook-endpoints/{endpoint}/deliveries?limit=100"
        async with http.get(log_url, headers=stack.auth) as resp:
            log = (await resp.json())["deliveries"]
        assert {d["outcome"] for d in log} == {"delivered"}
        assert {d["msg_id"] for d in log} <= set(ids)
