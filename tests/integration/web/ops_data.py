"""Two tenants' debtors, tasks and conversations, written where the worker writes them:
the data the operations page tests read (API and headless Chromium alike)."""

from __future__ import annotations

import datetime as dt

import redis.asyncio as aioredis
from aiokafka import AIOKafkaProducer

from recaudo.channels.outbound.catalog import EventType
from recaudo.channels.outbound.endpoints import EndpointStore
from recaudo.channels.outbound.queue import DeliveryRecord, Outbox
from recaudo.contracts.codec import encode
from recaudo.contracts.events import (
    Channel,
    Contract,
    DeliveryEvent,
    DeliveryStatus,
    Intent,
    Money,
    PaymentEvent,
    PaymentMethod,
    Promise,
    ResponseEvent,
)
from recaudo.contracts.outputs import ContactCommand, MessageContent
from recaudo.contracts.state import AccountState, HistoryEntry, OutcomeSummary, PointState
from recaudo.contracts.topics import Topics
from recaudo.foundation.config import Settings
from recaudo.foundation.kafka import bootstrap_servers
from recaudo.foundation.kafka_security import client_options, ensure_settings_topics
from recaudo.foundation.keys import Keys
from recaudo.streams.journal import Journal, pointer
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change, StateStore
from recaudo.streams.tasks import Task, TaskKind, TaskStore

# Two weeks before the newest event: long past any contact key's 24 h TTL.
SENT = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC)
NEWEST = dt.datetime(2026, 11, 16, 18, 30, tzinfo=dt.UTC)
WEEK = 7 * 86400.0


def person(
    name: str, phone: str, email: str, ref: str, due: int, *, tz: str = "America/New_York"
) -> DebtorState:
    return DebtorState(
        tz=tz,
        jur="US-NY",
        lang="es",
        name=name,
        points=[
            PointState(ch=Channel.SMS, addr=phone, consent=True),
            PointState(ch=Channel.EMAIL, addr=email, consent=True),
        ],
        accounts={
            f"acct-{ref.lower()}": AccountState(
                status="delinquent",
                days_past_due=42,
                due=due,
                bal=due * 4,
                cur="USD",
                ref=ref,
                at=0.0,
            )
        },
        history=[HistoryEntry(ch=Channel.SMS, at=SENT.timestamp())],
    )


def enrolled(arm: str, recovered: int, week: int, i: int) -> DebtorState:
    since = SENT.timestamp() - week * WEEK
    out = OutcomeSummary(
        since=since,
        arm=arm,
        strat="x",
        owed=10_000,
        cur="USD",
        rec=recovered,
        n=0 if arm == "holdout" else 2,
        prom=1,
        kept=int(recovered > 0),
    )
    state = person(f"Portfolio {i}", f"+1212555{1000 + i}", f"p{i}@example.com", f"P-{i}", 5000 + i)
    return state.model_copy(update={"out": out})


def message(debtor: str, n: int, at: dt.datetime, text: str) -> ContactCommand:
    return ContactCommand(
        contact_id=f"c-ana-{n}",
        tenant_id="acme",
        debtor_id=debtor,
        account_id="acct-ref-4417",
        channel=Channel.SMS,
        address="+12125550188",
        template="dunning/es/sms",
        language="es",
        send_at=at,
        expires_at=at + dt.timedelta(hours=4),
        strategy="x",
        arm="champion",
        decision_id=f"dec-ana-{n}",
        trigger_event_id=f"ev-ana-{n}",
        content=MessageContent(
            template_id="dunning/es/sms", template_version="1", language="es", text=text
        ),
    )


def conversation(debtor: str) -> list[tuple[str, str, Contract]]:
    """(letter, topic, record): a message, its receipts, the debtor's reply with a
    promise, the assistant's answer, a payment."""
    at = SENT
    receipts = [
        DeliveryEvent(
            event_id=f"dl-{debtor}-{minutes}",
            tenant_id="acme",
            occurred_at=at + dt.timedelta(minutes=minutes),
            debtor_id=debtor,
            contact_id="c-ana-1",
            provider="twilio",
            channel=Channel.SMS,
            status=status,
        )
        for minutes, status in ((1, DeliveryStatus.SENT), (2, DeliveryStatus.DELIVERED))
    ]
    reply = ResponseEvent(
        event_id=f"in-{debtor}",
        tenant_id="acme",
        occurred_at=at + dt.timedelta(minutes=30),
        debtor_id=debtor,
        channel=Channel.SMS,
        text="Puedo pagar 60 el viernes",
        intent=Intent.PROMISE_TO_PAY,
        promise=Promise(
            amount=Money(amount_minor=6000, currency="USD"), due_on=dt.date(2026, 11, 6)
        ),
    )
    payment = PaymentEvent(
        event_id=f"pay-{debtor}",
        tenant_id="acme",
        occurred_at=NEWEST,
        debtor_id=debtor,
        payment_id="pm-1",
        account_id="acct-ref-4417",
        amount=Money(amount_minor=6000, currency="USD"),
        method=PaymentMethod.CARD,
        paid_at=NEWEST,
    )
    first = "Hola Ana, su pago de $120.00 está pendiente. Pague en https://pay.example/x"
    answer = "Gracias Ana: anotamos su promesa de $60.00 para el 2026-11-06."
    return [
        ("m", "contacts", message(debtor, 1, at, first)),
        *(("d", "deliveries", r) for r in receipts),
        ("r", "responses", reply),
        ("a", "contacts", message(debtor, 2, at + dt.timedelta(minutes=31), answer)),
        ("p", "payments", payment),
    ]


async def journal(settings: Settings, client: aioredis.Redis, debtor: str) -> None:
    """Publish Ana's records to their topics and journal where they landed, as the
    decision stage does."""
    topics = Topics(settings.topic_prefix)
    await ensure_settings_topics(settings, topics.all)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers(settings.broker_url), **client_options(settings)
    )
    await producer.start()
    lines = []
    try:
        for letter, topic, record in conversation(debtor):
            sent = await producer.send_and_wait(
                topics.name(topic), value=encode(record), key=debtor.encode()
            )
            lines.append((("acme", debtor), pointer(letter, (sent.partition, sent.offset))))
    finally:
        await producer.stop()
    await Journal(client, Keys(settings.redis_prefix)).append(lines)


def task(tenant: str, debtor: str, n: int, kind: TaskKind, hours: float) -> Task:
    """Due ``hours`` from now (the wall clock, as the page's "overdue" reads it)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return Task(
        task_id=f"task-{tenant}-{n}",
        tenant_id=tenant,
        debtor_id=debtor,
        kind=kind,
        reason="assistant.human" if kind is TaskKind.HUMAN else "reply.dispute",
        text="Quiero hablar con una persona" if kind is TaskKind.HUMAN else None,
        opened_at=now - dt.timedelta(hours=24),
        due_by=now + dt.timedelta(hours=hours),
        trigger_event_id=f"in-{debtor}-{n}",
    )


async def seed(settings: Settings) -> None:
    """acme: Ana (a task, a conversation), Luis (overdue dispute), a portfolio with a
    holdout; globex: Gina, with a task of her own."""
    client = aioredis.Redis.from_url(settings.redis_url)
    keys = Keys(settings.redis_prefix)
    try:
        ana = person("Ana Gómez", "+12125550188", "ana@example.com", "REF-4417", 12_000)
        ana.accounts["acct-ref-4417"].at = NEWEST.timestamp()
        luis = person("Luis Pardo", "+13055550123", "luis@example.com", "REF-5120", 30_000)
        gina = person("Gina Globex", "+12125550199", "gina@globex.example", "REF-9999", 9_000)
        changes = [
            Change(("acme", "ops-ana"), ana, ["e-ana"], []),
            Change(("acme", "ops-luis"), luis, ["e-luis"], []),
            Change(("globex", "gx-gina"), gina, ["e-gina"], []),
        ]
        # Champion debtors recovered 50, 80, 0 and 60 dollars, the holdout 0, 10 and 5,
        # enrolled over two weeks.
        arms = [("champion", r) for r in (5000, 8000, 0, 6000)]
        arms += [("holdout", r) for r in (0, 1000, 500)]
        changes += [
            Change(("acme", f"p-{i}"), enrolled(arm, rec, i % 2, i), [f"p{i}"], [])
            for i, (arm, rec) in enumerate(arms)
        ]
        await StateStore(client, keys, 3600).commit(changes, 0.0)
        await journal(settings, client, "ops-ana")
        await TaskStore(client, keys).open(
            [
                task("acme", "ops-ana", 1, TaskKind.HUMAN, 4),
                task("acme", "ops-luis", 2, TaskKind.DISPUTE, -2),  # overdue
                task("globex", "gx-gina", 3, TaskKind.HUMAN, 1),
            ]
        )
        await webhook_log(client, keys)
    finally:
        await client.aclose()


async def webhook_log(client: aioredis.Redis, keys: Keys) -> None:
    """acme's CRM endpoint: a 503 then a delivery of the same message."""
    endpoint = await EndpointStore(client, keys).create(
        "acme", "https://crm.acme.example/hooks", [EventType.CONTACT_SENT], "CRM", NEWEST
    )
    outbox, at = Outbox(client, keys), NEWEST.timestamp()
    for attempt, outcome, code in ((1, "failed", 503), (2, "delivered", 200)):
        record = DeliveryRecord(
            msg_id="msg_ana_1",
            type="contact.sent",
            debtor_id="ops-ana",
            attempt=attempt,
            at=at + 5 * attempt,
            outcome=outcome,
            status_code=code,
            latency_ms=40.0 * attempt,
        )
        await outbox.log("acme", endpoint.endpoint_id, record)
