"""The core promises on the live stack (broker, worker, web, sandbox providers):
a paid debtor is never dunned whatever order one upload's events arrive in, and
an opt-out inside a longer reply stops everything, with no answer."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from typing import Any

import aiohttp
import orjson
import pytest

from recaudo.rules.policy import default_policy
from recaudo.stack import TENANT, Stack
from tests.integration.channels.conftest import until
from tests.integration.harness import Bus, Record, account_event, zone_with_local_hour

pytestmark = pytest.mark.integration
DUE = 9_500


def treated(prefix: str, n: int) -> list[str]:
    """``n`` debtors outside the holdout: each would be contacted at once if owing."""
    policy = default_policy()
    ids = (f"{prefix}{i}" for i in range(10 * n + 100))
    return [d for d in ids if not policy.assign(TENANT, d).holdout][:n]


def phone(debtor: str, base: int) -> str:
    return f"+1415556{base + int(debtor.rsplit('-', 1)[1]) % 1000:04d}"


def upload(debtors: list[str], base: int) -> tuple[list[Record], list[Record]]:
    """The issue's batch: snapshots as of 2 h ago, covering payments 1 h ago."""
    now = dt.datetime.now(dt.UTC)
    zone = zone_with_local_hour(range(10, 19))
    snapshots, payments = [], []
    for debtor in debtors:
        snap = account_event(debtor, tenant_id=TENANT, timezone=zone, due_minor=DUE)
        snap["occurred_at"] = (now - dt.timedelta(hours=2)).isoformat()
        snap["contact_points"] = [
            {"channel": "sms", "address": phone(debtor, base), "consent": True}
        ]
        snapshots.append(snap)
        paid_at = (now - dt.timedelta(hours=1)).isoformat()
        payments.append(
            {
                "type": "payment",
                "event_id": f"pay-{debtor}",
                "tenant_id": TENANT,
                "occurred_at": paid_at,
                "debtor_id": debtor,
                "payment_id": f"P-{debtor}",
                "account_id": snap["account_id"],
                "amount": {"amount_minor": DUE, "currency": "USD"},
                "method": "card",
                "paid_at": paid_at,
            }
        )
    return snapshots, payments


async def post(stack: Stack, events: list[Record]) -> None:
    body = b"\n".join(orjson.dumps(e) for e in events)
    headers = {**stack.auth, "Content-Type": "application/x-ndjson"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{stack.web_url}/v1/events", data=body, headers=headers) as r,
    ):
        assert r.status == 202, await r.text()


async def debtor_view(stack: Stack, debtor: str) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{stack.web_url}/v1/debtors/{debtor}", headers=stack.auth) as r,
    ):
        if r.status == 404:  # nothing decided about the debtor yet
            return {"known": False, "accounts": [], "pending": [], "contacts": []}
        assert r.status == 200
        view: dict[str, Any] = await r.json()
        return view


async def timeline(stack: Stack, debtor: str) -> list[dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{stack.web_url}/v1/debtors/{debtor}/timeline", headers=stack.auth) as r,
    ):
        assert r.status == 200
        decisions: list[dict[str, Any]] = (await r.json())["decisions"]
        return decisions


def sent_to(stack: Stack, number: str) -> int:
    return sum(1 for m in stack.sandbox.messages if m.to.lstrip("+") == number.lstrip("+"))


@pytest.mark.parametrize(
    ("order", "base"), [("snapshots_first", 0), ("payments_first", 100), ("shuffled", 200)]
)
async def test_an_upload_of_snapshots_and_covering_payments_leaves_no_one_owing_or_contacted(
    stack: Stack, order: str, base: int
) -> None:
    debtors = treated(f"live-{order}-", 10)
    snapshots, payments = upload(debtors, base)
    events = {
        "snapshots_first": snapshots + payments,
        "payments_first": payments + snapshots,
        "shuffled": random.Random(21).sample(snapshots + payments, 20),
    }[order]
    await post(stack, events)
    views: dict[str, dict[str, Any]] = {}

    async def settled() -> bool:
        for debtor in debtors:
            views[debtor] = await debtor_view(stack, debtor)
        return all(v["known"] and v["accounts"][0]["amount_due_minor"] == 0 for v in views.values())

    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    while not await settled():
        assert dt.datetime.now(dt.UTC) < deadline, {d: v["accounts"] for d, v in views.items()}
    assert all(v["pending"] == [] and v["contacts"] == [] for v in views.values()), views
    for debtor in debtors:
        # The state is committed after the broker acked its decisions: all are there.
        decisions = await timeline(stack, debtor)
        contacted = {d["contact_id"] for d in decisions if d["action"] == "contact"}
        cancelled = {d["contact_id"] for d in decisions if d["action"] == "cancel"}
        assert contacted <= cancelled, (debtor, decisions)
        assert sent_to(stack, phone(debtor, base)) == 0, debtor


async def test_one_upload_of_snapshots_payments_and_stop_replies_contacts_no_one(
    stack: Stack,
) -> None:
    """Half the debtors paid, the other half wrote "I already paid. STOP": one POST,
    shuffled. Nobody is sent anything; an opted-out debtor still owes, with no
    contact pending, and every contact decided is cancelled."""
    debtors = treated("live-mixed-", 10)
    snapshots, payments = upload(debtors, 400)
    paid, stopped = debtors[:5], debtors[5:]
    replies = [
        {
            "type": "response",
            "event_id": f"stop-{debtor}",
            "tenant_id": TENANT,
            "occurred_at": payments[i]["occurred_at"],
            "debtor_id": debtor,
            "channel": "sms",
            "text": "I already paid. STOP",
        }
        for i, debtor in enumerate(debtors)
        if debtor in stopped
    ]
    events = snapshots + [p for p in payments if p["debtor_id"] in paid] + replies
    await post(stack, random.Random(7).sample(events, len(events)))
    views: dict[str, dict[str, Any]] = {}
    timelines: dict[str, list[dict[str, Any]]] = {}

    def opted_out(debtor: str) -> bool:
        reasons = (r["rule_id"] for d in timelines[debtor] for r in d["reasons"] or ())
        return "suppress.opt_out" in reasons

    async def settled() -> bool:
        for debtor in debtors:
            views[debtor] = await debtor_view(stack, debtor)
            timelines[debtor] = await timeline(stack, debtor)
        return all(
            v["known"]
            and v["accounts"][0]["amount_due_minor"] == (0 if d in paid else DUE)
            and (d in paid or opted_out(d))
            for d, v in views.items()
        )

    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    while not await settled():
        assert dt.datetime.now(dt.UTC) < deadline, "; ".join(
            f"{d}: "
            + repr(
                (
                    v["accounts"][0]["amount_due_minor"] if v["accounts"] else None,
                    [
                        (x["action"], [r["rule_id"] for r in x["reasons"] or ()])
                        for x in timelines[d]
                    ],
                )
            )
            for d, v in views.items()
        )
    for debtor in debtors:
        decisions = timelines[debtor]
        contacted = {d["contact_id"] for d in decisions if d["action"] == "contact"}
        cancelled = {d["contact_id"] for d in decisions if d["action"] == "cancel"}
        assert contacted <= cancelled, (debtor, decisions)
        assert views[debtor]["pending"] == [], views[debtor]
    # Past the settle and a few ticks: still nothing went to any of them.
    await asyncio.sleep(stack.settings.contact_settle_s + 2)
    assert [d for d in debtors if sent_to(stack, phone(d, 400))] == []


async def test_i_already_paid_stop_opts_out_with_no_answer_and_nothing_more_is_sent(
    stack: Stack,
) -> None:
    [debtor] = treated("live-stop-", 1)
    number = phone(debtor, 300)
    snapshot, _ = upload([debtor], 300)
    await post(stack, snapshot)
    await until(lambda: sent_to(stack, number) == 1)
    assert await stack.sandbox.inbound("twilio", number, "I already paid. STOP") == 200
    async with Bus(stack.settings) as bus:
        records = await bus.collect(
            (bus.topics.decisions,),
            lambda rs: any(
                r["debtor_id"] == debtor
                and any(x["rule_id"] == "suppress.opt_out" for x in r["reasons"])
                for r in rs
            ),
        )
    mine = [r for r in records if r["debtor_id"] == debtor]
    assert not [r for r in mine[1:] if r["action"] == "contact"], "no answer to the reply"
    # The next due date: a new cycle would contact at once, but the channel is closed.
    later = account_event(debtor, tenant_id=TENANT, due_minor=DUE, days_past_due=35)
    later["contact_points"] = snapshot[0]["contact_points"]
    later["timezone"] = snapshot[0]["timezone"]
    await post(stack, [later])
    async with Bus(stack.settings) as bus:
        await bus.collect(
            (bus.topics.decisions,),
            lambda rs: any(
                r["debtor_id"] == debtor and r["trigger_event_id"] == later["event_id"] for r in rs
            ),
        )
    assert sent_to(stack, number) == 1, "nothing more is sent after the opt-out"
