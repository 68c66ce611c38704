"""Receipts that race their contact (issue 21, part 2), on the real parts.

A contact's receipts are posted to the real webhook route (signed, Standard
Webhooks) in a random interleaving: before the dispatcher's send returned
(its ledger entry still ``sending``), out of order, twice (a retry under the
same webhook id, the same status under a new id, two copies at once), while
the broker is down (answered 503, so the provider retries) or while a receipt
of another kind is in flight and then fails; a lender posts copies of some to
``POST /v1/events``. Everything goes through the real Redis status machine
and the session broker, and what the broker acked through the real decision
stage with the real learners.

After every step: the contact's shown status is the highest rank of what was
answered so far (never backwards); what was answered is what the status
machine holds, and anything else is still to be retried by its provider
(nothing lost, nothing invented); each status was published at most once, and
each kind with an effect of its own once it was answered; the learner rewarded
the contact at most once, and the report's flags (right-party contact,
opt-out, complaint) say what the receipts said, whatever their order.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import itertools
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import orjson
import pytest
import standardwebhooks
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from recaudo.channels.base import SendOutcome
from recaudo.channels.dedupe import Deduper
from recaudo.channels.directory import ContactDirectory
from recaudo.channels.dispatch.dispatcher import Dispatcher, DispatchResult
from recaudo.channels.dispatch.stage import Dispatching
from recaudo.channels.ids import event_id
from recaudo.channels.ref_token import make_token, ref_for, short_token
from recaudo.channels.status_machine import KINDS, RANK, StatusMachine
from recaudo.channels.webhooks import WebhookService, add_webhook_routes
from recaudo.channels.webhooks.standard import StandardVerifier
from recaudo.contracts.codec import encode
from recaudo.contracts.events import AccountEvent, DeliveryEvent, DeliveryStatus
from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.clock import SimulatedClock
from recaudo.foundation.kafka import KafkaPublisher, ensure_topics
from recaudo.foundation.keys import Keys
from recaudo.models.priors import ArmOutcome
from recaudo.streams.decision_stage import Inbound, Prepared
from recaudo.streams.receipts import ENGAGED, HARD_FAILURES, REWARDS
from recaudo.streams.state import DebtorState
from recaudo.streams.wiring import Wiring, build_wiring
from tests.conftest import SettingsFactory

pytestmark = pytest.mark.integration
S = DeliveryStatus
TENANT = "acme"
START = dt.datetime(2026, 3, 4, 19, tzinfo=dt.UTC)  # a Wednesday, 14:00 in New York
SECRET = "whsec_" + base64.b64encode(b"receipt-races-signing-secret-32").decode()
OPT_OUTS = frozenset({S.COMPLAINED, S.UNSUBSCRIBED})
REWARDING = frozenset(REWARDS) | OPT_OUTS
#: What the decision stage acts on: a reward, a report flag, an opt-out, a bounce.
EFFECTS = REWARDING | ENGAGED | HARD_FAILURES


class Broker:
    """The session broker, with what it acked, and a switch that makes it unreachable."""

    def __init__(self, publisher: KafkaPublisher) -> None:
        self._publisher = publisher
        self.acked: list[tuple[str, bytes]] = []
        self.down = False
        #: An event id whose publish says it ``started``, waits for ``release``, then fails.
        self.stall: tuple[str, asyncio.Event, asyncio.Event] | None = None

    async def publish(self, topic: str, key: str, value: bytes) -> None:
        if self.stall is not None and orjson.loads(value).get("event_id") == self.stall[0]:
            _, started, release = self.stall
            started.set()
            await release.wait()
            raise OSError("broker unreachable")
        if self.down:
            raise OSError("broker unreachable")
        await self._publisher.publish(topic, key, value)
        self.acked.append((topic, value))


class HeldProvider:
    """A provider whose send returns only when the test says: receipts race it."""

    name = "standard"
    idempotent = False
    ref_max_len = 1 << 16

    def __init__(self) -> None:
        self.sending = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, command: ContactCommand) -> SendOutcome:
        self.sending.set()
        await self.release.wait()
        return SendOutcome(provider=self.name, status=S.SENT, provider_message_id="m-1")


class NoDispatch:
    """The decision stage's own dispatch agent is not run: the test dispatches by hand."""

    async def dispatch(self, command: ContactCommand, now: dt.datetime) -> DispatchResult:
        raise AssertionError(f"unexpected dispatch of {command.contact_id} at {now}")


@dataclass
class Loop:
    """The parts a receipt goes through, shared by every example."""

    wiring: Wiring
    clock: SimulatedClock
    client: TestClient[web.Request, web.Application]
    broker: Broker
    machine: StatusMachine
    directory: ContactDirectory
    debtors: itertools.count[int] = field(default_factory=itertools.count)


@pytest.fixture
async def loop(make_settings: SettingsFactory, unique: str) -> AsyncIterator[Loop]:
    """One wiring, webhook route and producer for every example (each has its own debtor)."""

    def no_dispatch(*_parts: object) -> Dispatching:
        return NoDispatch()

    settings = make_settings(learning=True)
    clock = SimulatedClock(START)
    wiring = build_wiring(
        settings, registry=CollectorRegistry(), dispatcher_factory=no_dispatch, clock=clock
    )
    topics = wiring.topics
    await ensure_topics(settings.broker_url, topics.all, settings.topic_partitions)
    publisher = KafkaPublisher(settings.broker_url)
    await publisher.start()
    broker = Broker(publisher)
    keys, ttl = Keys(settings.redis_prefix), settings.contact_ttl_s
    machine = StatusMachine(wiring.redis, keys, ttl)
    directory = ContactDirectory(wiring.redis, keys, ttl)
    service = WebhookService(
        [StandardVerifier(SECRET)],
        publisher=broker,
        deduper=Deduper(wiring.redis, keys, ttl),
        machine=machine,
        directory=directory,
        public_base_url="http://127.0.0.1",
        topics=topics,
        clock=clock.now,
    )
    app = web.Application()
    add_webhook_routes(app, service)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Loop(wiring, clock, client, broker, machine, directory)
    await publisher.stop()
    async for key in wiring.redis.scan_iter(match=f"{unique}:*", count=1000):
        await wiring.redis.unlink(key)
    await wiring.close()


# -- one contact's receipts ----------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    hook_id: str
    status: DeliveryStatus


@st.composite
def lifecycles(draw: st.DrawFn) -> list[DeliveryStatus]:
    """What happened to one message, in order: taken, its outcome, what the person did."""
    taken = draw(st.sampled_from([[], [S.QUEUED], [S.SENT], [S.QUEUED, S.SENT]]))
    outcome = draw(
        st.sampled_from([S.DELIVERED] * 4 + [S.UNDELIVERED, S.FAILED, S.BOUNCED, S.ANSWERED])
    )
    then: list[DeliveryStatus] = []
    if outcome is S.DELIVERED:
        # A bounce after delivery: the receiving server gave up later (asynchronous).
        then += draw(
            st.sampled_from([[], [S.OPENED], [S.READ, S.CLICKED], [S.CLICKED], [S.BOUNCED]])
        )
    if outcome in (S.DELIVERED, S.ANSWERED):
        then += draw(
            st.sampled_from([[], [S.COMPLAINED], [S.UNSUBSCRIBED], [S.COMPLAINED, S.UNSUBSCRIBED]])
        )
    return [*taken, outcome, *then]


HOW = st.sampled_from(
    ["post"] * 4
    + ["twice at once", "retried", "new id", "with the next", "outage", "stalled", "lender too"]
)


@dataclass
class Contact:
    """One contact through the loop, and what the model says must hold."""

    loop: Loop
    debtor: str
    command: ContactCommand
    #: Kinds of status answered 2xx (or the dispatcher's own, once its send returned).
    answered: set[DeliveryStatus] = field(default_factory=set)
    #: Receipts answered 503: their providers will post them again.
    retrying: list[Receipt] = field(default_factory=list)
    #: What the status machine held after the previous step.
    held: set[DeliveryStatus] = field(default_factory=set)
    published: Counter[DeliveryStatus] = field(default_factory=Counter)
    #: Statuses the decision stage was given (published, or posted by the lender).
    decided: set[DeliveryStatus] = field(default_factory=set)
    #: The learner's rewards for the contact, each True (a success) or False.
    rewards: list[bool] = field(default_factory=list)
    lender: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def cid(self) -> str:
        return self.command.contact_id

    async def post(self, receipt: Receipt, ref: str | None = None) -> None:
        """Post one receipt as its provider does (echoing ``ref``, by default the
        token). Its kind is answered on a 2xx that counted it; a duplicate's fate
        is that of the copy that claimed it."""
        c = self.command
        data = {
            "ref": ref or make_token(TENANT, c.contact_id, c.debtor_id),
            "status": receipt.status.value,
            "channel": c.channel.value,
        }
        body = orjson.dumps({"type": "message.status", "data": data})
        now = dt.datetime.now(dt.UTC)  # the signature's replay window is the wall clock's
        headers = {
            "webhook-id": receipt.hook_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": standardwebhooks.Webhook(SECRET).sign(
                receipt.hook_id, now, body.decode()
            ),
            "content-type": "application/json",
        }
        resp = await self.loop.client.post("/webhooks/standard", data=body, headers=headers)
        if resp.status == 503:
            self.retrying.append(receipt)
            return
        assert resp.status == 200, await resp.text()
        counts = orjson.loads(resp.headers["X-Recaudo-Counts"])
        assert counts["unmatched"] == 0, "a receipt of a contact being dispatched is matched"
        if counts["accepted"] or counts["stale"]:
            self.answered.add(receipt.status)

    async def decide(self, lender: list[DeliveryEvent]) -> None:
        """Hand what the broker acked (and the lender's copies) to the decision
        stage as the worker does: prepare, then commit."""
        wiring = self.loop.wiring
        acked = self.loop.broker.acked
        fresh = [v for topic, v in acked if topic == wiring.topics.deliveries]
        acked.clear()
        self.published.update(S(orjson.loads(v)["status"]) for v in fresh)
        values = fresh + [encode(e) for e in lender]
        if not values:
            return
        self.decided |= {S(orjson.loads(v)["status"]) for v in values}
        records = [record(self.debtor, wiring.topics.deliveries, v) for v in values]
        prepared = await wiring.decision_stage.prepare(records)
        await wiring.decision_stage.commit(prepared)
        self.rewards += labels(prepared)

    async def check(self) -> None:
        loop = self.loop
        held = await stored_kinds(loop, self.debtor, self.cid)
        assert held >= self.held, "a kind once held is never forgotten"
        self.held = held
        pending = {r.status for r in self.retrying}
        assert held <= self.answered, "nothing held that was not answered"
        assert self.answered <= held | pending, "answered: held, or its provider retries it"
        shown = (await loop.machine.ranks(TENANT, self.debtor)).get(self.cid)
        assert shown == max((RANK[s] for s in held), default=None), "shown: the highest held"
        assert all(n == 1 for n in self.published.values()), f"twice: {self.published}"
        assert held & EFFECTS <= set(self.published), "every effect held was published"
        assert set(self.published) <= held
        assert len(self.rewards) == (1 if self.decided & REWARDING else 0), "one reward at most"
        out = (await state_of(loop, self.debtor)).out
        assert out is not None
        assert out.rpc == bool(self.decided & ENGAGED)
        assert out.opt == bool(self.decided & OPT_OUTS)
        assert out.cmp == (S.COMPLAINED in self.decided)


def labels(prepared: Prepared) -> list[bool]:
    """The rewards the learner gave in a batch (one debtor's: one contact's)."""
    arms = [o.payload for _, _, o in prepared.outcomes if o.kind == "arm"]
    return [a.reward for a in arms if isinstance(a, ArmOutcome)]


def record(debtor: str, topic: str, value: bytes) -> Inbound:
    return Inbound(topic, 0, None, debtor.encode(), value, START.timestamp())


async def stored_kinds(loop: Loop, debtor: str, contact_id: str) -> set[DeliveryStatus]:
    """The kinds the status machine holds for the contact (``status_machine``'s format)."""
    raw = await loop.wiring.redis.hget(loop.machine.key(TENANT, debtor), contact_id)
    parts = (raw.decode() if isinstance(raw, bytes) else raw or "").split("/")
    bits = int(parts[1]) if len(parts) == 3 else 0
    return {kind for i, kind in enumerate(KINDS) if bits >> i & 1}


async def state_of(loop: Loop, debtor: str) -> DebtorState:
    ref = (TENANT, debtor)
    return (await loop.wiring.store.load([(ref, [])]))[ref].state


def account(debtor: str) -> AccountEvent:
    return AccountEvent.model_validate(
        {
            "event_id": f"{debtor}.acct",
            "tenant_id": TENANT,
            "occurred_at": START - dt.timedelta(hours=1),
            "debtor_id": debtor,
            "account_id": f"{debtor}.a",
            "balance": {"amount_minor": 30_000, "currency": "USD"},
            "amount_due": {"amount_minor": 9_500, "currency": "USD"},
            "due_date": START.date() - dt.timedelta(days=30),
            "days_past_due": 30,
            "status": "delinquent",
            "product": "card",
            "jurisdiction": "US",
            "timezone": "America/New_York",
            "language": "en",
            "contact_points": [{"channel": "sms", "address": "+12125550143", "consent": True}],
        }
    )


def lender_copy(contact: Contact, status: DeliveryStatus) -> DeliveryEvent:
    """What a lender's feed posts to ``POST /v1/events`` for the same outcome."""
    c = contact.command
    return DeliveryEvent(
        event_id=f"lender-{c.contact_id}-{next(contact.lender)}",
        tenant_id=TENANT,
        occurred_at=START,
        debtor_id=c.debtor_id,
        contact_id=c.contact_id,
        account_id=c.account_id,
        provider="lender",
        channel=c.channel,
        status=status,
    )


async def contact_for(loop: Loop, name: str = "race") -> Contact:
    """A debtor whose account asks for a contact now: the stage decides it."""
    debtor = f"{name}-{next(loop.debtors)}"
    wiring = loop.wiring
    value = encode(account(debtor))
    prepared = await wiring.decision_stage.prepare([record(debtor, wiring.topics.accounts, value)])
    await wiring.decision_stage.commit(prepared)
    [command] = [
        ContactCommand.model_validate_json(o.value)
        for o in prepared.outputs
        if o.topic == wiring.topics.contacts
    ]
    loop.broker.acked.clear()
    return Contact(loop, debtor, command)


# -- the property ----------------------------------------------------------------


@settings(
    max_examples=300,
    deadline=None,
    # One loop for every example (each has its own debtor): building it per
    # example would cost more than the example.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(truth=lifecycles(), data=st.data())
async def test_receipts_in_any_order_are_kept_once_and_never_go_backwards(
    loop: Loop, truth: list[DeliveryStatus], data: st.DataObject
) -> None:
    contact = await contact_for(loop)
    provider = HeldProvider()
    dispatcher = Dispatcher(
        {contact.command.channel: provider}, loop.wiring.ledger, loop.directory, loop.machine
    )
    # The dispatcher writes its record, calls the provider, and is held there.
    sending = asyncio.ensure_future(dispatcher.dispatch(contact.command, contact.command.send_at))
    await provider.sending.wait()
    outbox: list[Receipt | None] = [Receipt(f"{contact.cid}-{i}", s) for i, s in enumerate(truth)]
    outbox.insert(data.draw(st.integers(0, len(outbox)), label="the send returns at"), None)
    new_ids = itertools.count(len(truth))
    steps = itertools.count()
    while outbox or contact.retrying:
        outbox += contact.retrying
        contact.retrying = []
        item = outbox.pop(data.draw(st.integers(0, len(outbox) - 1), label="next"))
        nxt = outbox[0] if outbox else None
        # Past a few steps per receipt, plain posts: every example comes to an end.
        calm = next(steps) > 3 * len(truth)
        how = "post" if calm or item is None else data.draw(HOW, label="how")
        lender: list[DeliveryEvent] = []
        if item is None:
            provider.release.set()
            for event in (await sending).deliveries:  # what the dispatch stage publishes
                await loop.broker.publish(
                    loop.wiring.topics.deliveries, contact.debtor, encode(event)
                )
            contact.answered.add(S.SENT)
        elif how == "twice at once":
            await asyncio.gather(contact.post(item), contact.post(item))
        elif how == "retried":  # the provider did not hear our 2xx: it posts it again later
            await contact.post(item)
            outbox.append(item)
        elif how == "new id":  # the provider reports the same status once more
            await contact.post(item)
            outbox.append(dataclasses.replace(item, hook_id=f"{contact.cid}-{next(new_ids)}"))
        elif how == "with the next" and nxt is not None:
            outbox.pop(0)
            await asyncio.gather(contact.post(item), contact.post(nxt))
        elif how == "outage":  # answered 503 (twice at once: a copy may say "duplicate")
            loop.broker.down = True
            await asyncio.gather(contact.post(item), contact.post(item))
            loop.broker.down = False
        elif how == "stalled" and nxt is not None:
            # This receipt's publish hangs while the next one is handled, then fails.
            outbox.pop(0)
            started, release = asyncio.Event(), asyncio.Event()
            loop.broker.stall = (event_id("standard", item.hook_id), started, release)
            first = asyncio.ensure_future(contact.post(item))
            await asyncio.wait(
                [first, asyncio.ensure_future(started.wait())], return_when=asyncio.FIRST_COMPLETED
            )
            await contact.post(nxt)
            release.set()
            await first
            loop.broker.stall = None
        else:
            await contact.post(item)
            if how == "lender too" and item.status in REWARDING | ENGAGED:
                lender.append(lender_copy(contact, item.status))
        await contact.decide(lender)
        await contact.check()
    assert contact.answered == {*truth, S.SENT}, "every receipt was kept in the end"
    status = await loop.wiring.ledger.status(TENANT, contact.debtor, contact.cid)
    assert status == "sent", "the dispatch record survived the receipts that raced it"


# -- the races, one at a time ----------------------------------------------------


class EchoingProvider:
    """Echoes at most Vonage's 100 characters, and its receipt comes back before
    its send call returns: the fastest a provider's webhook can be."""

    name = "standard"
    idempotent = False
    ref_max_len = 100

    def __init__(self, contact: Contact) -> None:
        self.contact = contact
        self.refs: list[str | None] = []

    async def send(self, command: ContactCommand) -> SendOutcome:
        c = command
        ref = ref_for(c.tenant_id, c.contact_id, c.debtor_id, self.ref_max_len)
        self.refs.append(ref)
        await self.contact.post(Receipt(f"{c.contact_id}-early", S.DELIVERED), ref=ref)
        return SendOutcome(provider=self.name, status=S.SENT, provider_message_id="m-2")


async def dispatched(loop: Loop, contact: Contact) -> None:
    """The contact sent, its ``sent`` event on the broker."""
    provider = HeldProvider()
    provider.release.set()
    send = Dispatcher(
        {contact.command.channel: provider}, loop.wiring.ledger, loop.directory, loop.machine
    )
    for event in (await send.dispatch(contact.command, contact.command.send_at)).deliveries:
        await loop.broker.publish(loop.wiring.topics.deliveries, contact.debtor, encode(event))


async def test_a_receipt_that_beats_the_send_is_matched_by_the_short_token(loop: Loop) -> None:
    """Before: a token longer than the provider echoes was not handed over at all;
    the receipt could only be matched by the message id, indexed once the send
    returned, so a faster one was dead-lettered (and answered 2xx: never again)."""
    contact = await contact_for(loop, "race-" + "x" * 90)
    provider = EchoingProvider(contact)
    send = Dispatcher(
        {contact.command.channel: provider}, loop.wiring.ledger, loop.directory, loop.machine
    )
    result = await send.dispatch(contact.command, contact.command.send_at)
    assert result.sent
    assert provider.refs == [short_token(TENANT, contact.cid)]
    assert contact.answered == {S.DELIVERED}, "matched while the send was still out"
    assert result.deliveries == [], "its ``sent`` came after ``delivered``: nothing new"
    await contact.decide([])
    assert contact.published == Counter({S.DELIVERED: 1})
    keys = Keys(loop.wiring.settings.redis_prefix)
    indexed = [k async for k in loop.wiring.redis.scan_iter(match=keys.tenant(TENANT, "msgid:*"))]
    assert indexed == [], "no message-id index needed"


async def test_one_outcome_told_through_every_path_counts_once(loop: Loop) -> None:
    """A click from the provider's webhook, the lender's feed and the payment link,
    then a complaint from the webhook and the lender: one reward, one contact,
    and the report's flags set."""
    contact = await contact_for(loop)
    await dispatched(loop, contact)
    await contact.post(Receipt(f"{contact.cid}-click", S.CLICKED))
    link = lender_copy(contact, S.CLICKED).model_copy(
        update={"event_id": f"click-{contact.cid}", "provider": "paylink"}
    )
    await contact.decide([lender_copy(contact, S.CLICKED), link])
    await contact.post(Receipt(f"{contact.cid}-spam", S.COMPLAINED))
    await contact.decide([lender_copy(contact, S.COMPLAINED)])
    await contact.decide([lender_copy(contact, S.CLICKED)])
    assert contact.published == Counter({S.SENT: 1, S.CLICKED: 1, S.COMPLAINED: 1})
    assert contact.rewards == [True]
    out = (await state_of(loop, contact.debtor)).out
    assert out is not None
    assert (out.n, out.rpc, out.opt, out.cmp) == (1, True, True, True)


async def test_a_receipt_read_before_its_contact_after_a_crash_still_rewards_it(
    loop: Loop,
) -> None:
    """The worker published a contact and died before its commit; the batch that
    replays the account also holds the contact's click, read from another topic
    in whatever order. Needs the decision stage to keep an outcome read before
    its contact and reward it when the contact is emitted (``DebtorState.early``)."""
    stage = loop.wiring.decision_stage
    debtor = f"race-crash-{next(loop.debtors)}"
    snapshot = record(debtor, loop.wiring.topics.accounts, encode(account(debtor)))
    lost = await stage.prepare([snapshot])  # published, never committed
    [command] = [
        ContactCommand.model_validate_json(o.value)
        for o in lost.outputs
        if o.topic == loop.wiring.topics.contacts
    ]
    contact = Contact(loop, debtor, command)
    click = lender_copy(contact, S.CLICKED).model_copy(update={"event_id": "wh-click"})
    clicked = record(debtor, loop.wiring.topics.deliveries, encode(click))
    prepared = await stage.prepare([clicked, snapshot])
    await stage.commit(prepared)
    assert labels(prepared) == [True]


async def test_silence_past_the_reward_window_is_learned_once_and_a_late_click_not_at_all(
    loop: Loop,
) -> None:
    """The contact expires (a day) before its reward window closes (three days):
    the first event after the window must label it a failure before the contact
    is forgotten. Needs ``Decider.apply`` to close the windows before it prunes."""
    contact = await contact_for(loop)
    await dispatched(loop, contact)
    await contact.decide([])
    loop.clock.advance_to(START + dt.timedelta(hours=80))
    await contact.post(Receipt(f"{contact.cid}-late", S.CLICKED))
    await contact.decide([])
    await contact.decide([lender_copy(contact, S.CLICKED)])
    assert contact.rewards == [False]
