"""The decision pipeline end to end: real tansu broker, real Redis, a real worker process."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from recaudo.contracts.base import LegalFlag
from recaudo.contracts.schedule import Entry, Schedule
from recaudo.embedded import Managed
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_client import connect
from recaudo.stack import local_settings
from tests.conftest import POLICIES
from tests.integration.harness import (
    Bus,
    Record,
    account_event,
    address_for,
    payment_event,
    start_worker,
    zone_with_local_hour,
)

pytestmark = pytest.mark.integration

DAYTIME = range(10, 19)
NIGHT = range(0, 6)


@pytest.fixture(scope="module", params=["redis", "redis-cluster"])
async def live(
    request: pytest.FixtureRequest,
    broker: Managed,
    redis_server: Managed,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Bus]:
    """A worker on a single Redis server, then on a three-master Redis Cluster."""
    cluster = request.param == "redis-cluster"
    settings = local_settings(
        broker.url,
        request.getfixturevalue("redis_cluster").url if cluster else redis_server.url,
        f"t{uuid.uuid4().hex[:10]}",
        tenants="acme",
        policy_dir=str(POLICIES),
        schedule_tick_s=0.2,
    )
    log: Path = tmp_path_factory.mktemp("worker") / "worker.log"
    worker = await start_worker(settings, log)
    async with Bus(settings) as bus:
        bus.worker = worker
        yield bus
    assert worker.stop() == 0, worker.tail()


def decisions_for(records: list[Record], debtor_id: str) -> list[Record]:
    return [r for r in records if r["_topic"].endswith("decisions") and r["debtor_id"] == debtor_id]


async def test_delinquent_account_gets_a_contact_command_and_decision(live: Bus) -> None:
    debtor = f"d-{uuid.uuid4().hex[:8]}"
    await live.send(account_event(debtor, timezone=zone_with_local_hour(DAYTIME)))
    topics = (live.topics.contacts, live.topics.decisions)
    # Both topics: the decision may arrive before the command (other partition).
    records = await live.collect(
        topics,
        lambda rs: (
            bool(decisions_for(rs, debtor))
            and any(r["_topic"] == live.topics.contacts and r["debtor_id"] == debtor for r in rs)
        ),
    )
    [decision] = decisions_for(records, debtor)
    assert decision["action"] == "contact"
    assert decision["trigger_type"] == "account"
    assert decision["reasons"], "every decision names its rules"
    [command] = [
        r for r in records if r["_topic"] == live.topics.contacts and r["debtor_id"] == debtor
    ]
    assert command["contact_id"] == decision["contact_id"]
    # The learner picks among the channels the rules allow (both consented here).
    assert command["channel"] in {"sms", "email"}
    assert command["address"] == address_for(command["channel"], debtor)
    assert decision["model_versions"]["bandit"].startswith("bandit-")
    assert 0 < decision["scores"]["pay_propensity"] < 1


async def test_payment_covering_due_cancels_pending_contact(live: Bus) -> None:
    debtor = f"d-{uuid.uuid4().hex[:8]}"
    await live.send(account_event(debtor, timezone=zone_with_local_hour(NIGHT)))
    await live.collect(
        (live.topics.decisions,),
        lambda rs: any(r["action"] == "defer" for r in decisions_for(rs, debtor)),
    )
    await live.send(payment_event(debtor, 10_000, f"p-{debtor}"))
    records = await live.collect(
        (live.topics.decisions,),
        lambda rs: any(r["action"] == "cancel" for r in decisions_for(rs, debtor)),
        timeout_s=10,
    )
    defer, cancel = decisions_for(records, debtor)
    assert cancel["contact_id"] == defer["contact_id"]
    assert cancel["reasons"][0]["rule_id"] == "payment.covers_due"
    assert cancel["trigger_type"] == "payment"
    client = connect(live.settings)
    schedule = Schedule(client, Keys(live.settings.redis_prefix), live.settings.schedule_shards)
    entry = Entry("acme", debtor, defer["contact_id"], "contact")
    # A batch's decisions are published before its commit, which takes the entry
    # off the schedule (streams/app.py, decide_batch): give the commit a moment.
    try:
        for _ in range(50):
            if await client.zscore(schedule.key_for(entry), entry.member) is None:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the cancelled contact is still on the schedule 5 s after the cancel")
    finally:
        await client.aclose()


async def test_partial_payment_does_not_cancel(live: Bus) -> None:
    debtor = f"d-{uuid.uuid4().hex[:8]}"
    await live.send(account_event(debtor, timezone=zone_with_local_hour(NIGHT)))
    await live.send(payment_event(debtor, 2_500, f"p-{debtor}"))
    await live.send(
        account_event(debtor, timezone=zone_with_local_hour(NIGHT), flags={"dispute": True})
    )
    records = await live.collect(
        (live.topics.decisions,),
        lambda rs: any(r["action"] == "cancel" for r in decisions_for(rs, debtor)),
    )
    actions = [(r["action"], r["reasons"][0]["rule_id"]) for r in decisions_for(records, debtor)]
    assert actions[0] == ("defer", "us.reg_f.inconvenient_time")
    # The partial payment cancelled nothing; the dispute did.
    assert ("cancel", "suppress.dispute") in actions
    assert not any(rule == "payment.covers_due" for _, rule in actions)


# The values: the event is sent as JSON, whose keys orjson wants as plain strings.
@pytest.mark.parametrize("flag", [flag.value for flag in LegalFlag])
async def test_flagged_account_is_suppressed_with_the_flag_as_reason(live: Bus, flag: str) -> None:
    debtor = f"d-{uuid.uuid4().hex[:8]}"
    await live.send(
        account_event(debtor, timezone=zone_with_local_hour(DAYTIME), flags={flag: True})
    )
    records = await live.collect(
        (live.topics.decisions,), lambda rs: bool(decisions_for(rs, debtor))
    )
    [decision] = decisions_for(records, debtor)
    assert decision["action"] == "suppress"
    assert f"suppress.{flag}" in {r["rule_id"] for r in decision["reasons"]}
    assert decision["contact_id"] is None


async def test_invalid_input_goes_to_dead_letters_and_the_worker_keeps_going(live: Bus) -> None:
    debtor = f"d-{uuid.uuid4().hex[:8]}"
    bad_schema = account_event(debtor)
    bad_schema["amount_due"] = {"amount_minor": 10.5, "currency": "usd"}
    await live.send_raw(live.topics.accounts, debtor, b"{not json")
    await live.send(bad_schema)
    await live.send(account_event(debtor, tenant_id="unknown-tenant"))
    await live.send_raw(live.topics.accounts, "wrong-key", orjson.dumps(account_event(debtor)))
    await live.send(account_event(debtor, timezone=zone_with_local_hour(DAYTIME)))

    def letters_of(records: list[Record]) -> list[Record]:
        return [
            r
            for r in records
            if r["_topic"] == live.topics.dead_letters
            and (debtor in r["payload"] or r["key"] == debtor)
        ]

    # The wrong-key record is on another partition: its dead letter may come after
    # the debtor's decision, so both are waited for.
    records = await live.collect(
        (live.topics.dead_letters, live.topics.decisions),
        lambda rs: bool(decisions_for(rs, debtor)) and len(letters_of(rs)) >= 4,
    )
    letters = letters_of(records)
    errors = " | ".join(letter["error"] for letter in letters)
    assert len(letters) == 4, errors
    assert "not valid JSON" in errors
    assert "amount_due.amount_minor" in errors
    assert "amount_due.currency" in errors
    assert "tenant 'unknown-tenant' is not configured" in errors
    assert "message key 'wrong-key' must equal debtor_id" in errors
    assert all(letter["source_topic"] == live.topics.accounts for letter in letters)
    assert decisions_for(records, debtor)[0]["action"] == "contact"


async def test_duplicate_event_id_is_processed_once(live: Bus) -> None:
    debtor = f"d-{uuid.uuid4().hex[:8]}"
    event = account_event(debtor, timezone=zone_with_local_hour(NIGHT), event_id=f"dup-{debtor}")
    await live.send(event)
    await live.send(event)
    marker = f"m-{uuid.uuid4().hex[:8]}"
    await live.send(account_event(marker, timezone=zone_with_local_hour(NIGHT)))
    records = await live.collect(
        (live.topics.decisions,), lambda rs: bool(decisions_for(rs, marker))
    )
    decisions = decisions_for(records, debtor)
    assert [d["trigger_event_id"] for d in decisions] == [f"dup-{debtor}"]


async def test_deferred_contact_is_released_by_the_timer_and_redecided(live: Bus) -> None:
    debtor = f"d-{uuid.uuid4().hex[:8]}"
    await live.send(account_event(debtor, timezone=zone_with_local_hour(NIGHT)))
    records = await live.collect(
        (live.topics.decisions,), lambda rs: bool(decisions_for(rs, debtor))
    )
    [defer] = decisions_for(records, debtor)
    assert defer["action"] == "defer"
    defer_until = dt.datetime.fromisoformat(defer["defer_until"])
    assert defer_until > dt.datetime.now(dt.UTC)
    client = connect(live.settings)
    schedule = Schedule(client, Keys(live.settings.redis_prefix), live.settings.schedule_shards)
    entry = Entry("acme", debtor, defer["contact_id"], "contact")
    try:
        # The decision is published before its batch's commit puts the entry on the
        # schedule (decision_stage.py, commit): give the commit a moment.
        for _ in range(50):
            due = await client.zscore(schedule.key_for(entry), entry.member)
            if due is not None:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the deferred contact is not on the schedule 5 s after the decision")
        assert due == pytest.approx(defer_until.timestamp())
        # Move the due time to now, as if the night had passed; the timer releases it and
        # the debtor's owner re-decides: still night in that zone, so deferred again.
        await client.zadd(schedule.key_for(entry), {entry.member: 0})
        records = await live.collect(
            (live.topics.decisions,), lambda rs: len(decisions_for(rs, debtor)) >= 2, timeout_s=15
        )
    finally:
        await client.aclose()
    again = decisions_for(records, debtor)[1]
    assert again["trigger_type"] == "release"
    assert again["action"] == "defer"
    assert again["contact_id"] == defer["contact_id"]


async def test_broken_promise_is_released_by_the_timer_and_triggers_a_contact(live: Bus) -> None:
    debtor = f"d-{uuid.uuid4().hex[:8]}"
    zone = zone_with_local_hour(DAYTIME)
    await live.send(account_event(debtor, timezone=zone, channels=("email",)))
    # Topics are ordered per partition, not across topics: let the account land first.
    await live.collect((live.topics.decisions,), lambda rs: bool(decisions_for(rs, debtor)))
    promised = dt.date.today() - dt.timedelta(days=3)
    await live.send(
        {
            "type": "response",
            "event_id": f"ptp-{debtor}",
            "tenant_id": "acme",
            "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
            "debtor_id": debtor,
            "account_id": f"A-{debtor}",
            "channel": "email",
            "intent": "promise_to_pay",
            "promise": {
                "amount": {"amount_minor": 10_000, "currency": "USD"},
                "due_on": promised.isoformat(),
            },
        }
    )
    records = await live.collect(
        (live.topics.decisions,),
        lambda rs: any(r["trigger_type"] == "release" for r in decisions_for(rs, debtor)),
        timeout_s=20,
    )
    actions = [(r["trigger_type"], r["action"]) for r in decisions_for(records, debtor)]
    assert actions[0] == ("account", "contact")
    assert ("response", "suppress") in actions
    assert ("release", "contact") in actions


async def test_worker_metrics_count_decisions_latency_and_dead_letters(live: Bus) -> None:
    debtor = f"d-{uuid.uuid4().hex[:8]}"
    await live.send_raw(live.topics.payments, debtor, b"[]")
    await live.send(account_event(debtor, timezone=zone_with_local_hour(DAYTIME)))
    await live.collect((live.topics.decisions,), lambda rs: bool(decisions_for(rs, debtor)))
    assert live.worker is not None
    port = live.worker.port
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
            assert resp.status == 200
            text = await resp.text()
        async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
            assert resp.status == 200
            ready = await resp.json()
            assert ready["checks"] == {
                "redis": True,
                "consumer": True,
                "redis_state": True,
                "broker_data": True,
            }
            assert ready["dry_run"] is True, "no providers file: the worker says it is a dry run"
        # Lag per owned partition, from the committed offsets: it drains to 0.
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
                scraped = await resp.text()
            lag = {
                s.labels["partition"]: s.value
                for m in text_string_to_metric_families(scraped)
                for s in m.samples
                if s.name == "recaudo_consumer_lag" and s.labels["topic"] == live.topics.accounts
            }
            if lag and not any(lag.values()):
                break
            assert asyncio.get_running_loop().time() < deadline, f"lag never drained: {lag}"
            await asyncio.sleep(0.5)
    assert "process_cpu_seconds_total" in scraped
    assert 'recaudo_dry_run{environment="development"} 1.0' in scraped
    assert 'recaudo_http_requests_total{method="GET",route="/metrics",status="200"}' in scraped
    lint = await asyncio.create_subprocess_exec(
        shutil.which("promtool") or "promtool",
        "check",
        "metrics",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await lint.communicate(text.encode())
    assert lint.returncode == 0, out.decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for m in text_string_to_metric_families(scraped)
        for s in m.samples
    }
    reason = (
        "recaudo_decision_reasons_total",
        (("action", "contact"), ("reason", "us.reg_f.inconvenient_time"), ("tenant", "acme")),
    )
    assert samples[reason] >= 1
    # The startup heap is frozen (recaudo.foundation.startup_heap): Faust, pydantic,
    # river and the wiring are ~200,000 objects; a full collection skips them.
    assert samples[("recaudo_gc_frozen_objects", ())] > 100_000
    assert samples[("python_gc_collections_total", (("generation", "2"),))] >= 0
    # One count per decision, however many reasons it carries.
    decided = sum(v for (n, _), v in samples.items() if n == "recaudo_decisions_total")
    assert decided == samples[("recaudo_decision_latency_seconds_count", ())]
    dead = (
        "recaudo_dead_letters_total",
        (("error_type", "InvalidEvent"), ("topic", live.topics.payments)),
    )
    assert samples[dead] >= 1
    assert samples[("recaudo_decision_latency_seconds_count", ())] >= 1
    processed = (
        "recaudo_events_total",
        (("outcome", "processed"), ("topic", live.topics.accounts)),
    )
    assert samples[processed] >= 1
