"""``recaudo demo``: a simulated portfolio lives through its days against the whole stack.

The broker, a private Redis, the sandbox providers, the web app and a worker
run as in production, except that every process reads one simulated clock
(``RECAUDO_CLOCK_*``: a start instant and a speed, so they agree without
talking). The simulated world (``simulator.world``) hands the lender's daily
account snapshots and the debtors' payments to the HTTP API as their moment
comes; the worker decides, sends through the sandbox, and the sandbox's signed
receipts come back through the webhooks. Each contact reaches the world, whose
debtors answer — replies as signed inbound messages, payments through the API,
promises kept and broken. A block per simulated day shows what changed that
day (``demo_days``); at the end, the outcome report: each arm against the
no-contact holdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import signal
import time
from collections.abc import Sequence

import aiohttp
import orjson
from aiokafka import AIOKafkaConsumer

from recaudo.contracts.codec import encode
from recaudo.contracts.events import Channel, InputEvent, ResponseEvent
from recaudo.contracts.outputs import ContactCommand
from recaudo.contracts.topics import Topics
from recaudo.demo_days import Debtor, Tally, day_block, day_number, day_title, deciding_rule
from recaudo.foundation.clock import ScaledClock
from recaudo.foundation.kafka import bootstrap_servers
from recaudo.simulator.world import World
from recaudo.stack import API_KEY, TENANT, Stack, local_stack
from recaudo.streams.reports.outcomes import parse_dimensions
from recaudo.streams.reports.render import to_table
from recaudo.streams.reports.source import read_report

INBOUND_PROVIDER = {Channel.SMS: "twilio", Channel.WHATSAPP: "meta"}
START = dt.datetime(2026, 3, 2, 5, tzinfo=dt.UTC)  # a Monday, before dawn in the Americas
#: Wall seconds the stack gets to start before simulated time reaches START.
WARM_UP_S = 25.0


class Demo:
    def __init__(self, stack: Stack, world: World, clock: ScaledClock) -> None:
        self.stack = stack
        self.world = world
        self.clock = clock
        self.tally = Tally()  # since the last day's block
        self.total = Tally()
        self.shown = 0  # sandbox messages already reported
        self.day = START.date()  # the first day the next block covers
        # Where each debtor was last written to, per channel: their replies come from there.
        self.addresses: dict[tuple[str, Channel], str] = {}
        self.debtor_of: dict[str, Debtor] = {}  # address -> who it reaches
        table = world.table
        self.places = {
            table.debtor_id(i): (table.jurisdiction(i), table.language(i))
            for i in range(len(table))
        }

    async def post(self, http: aiohttp.ClientSession, events: Sequence[bytes]) -> None:
        body = b"\n".join(events)
        headers = {**self.stack.auth, "Content-Type": "application/x-ndjson"}
        async with http.post(f"{self.stack.web_url}/v1/events", data=body, headers=headers) as r:
            if r.status != 202:
                print(f"  ! events refused ({r.status}): {(await r.text())[:300]}")

    async def feed(self, http: aiohttp.ClientSession) -> None:
        """What the world did up to now: replies through the signed webhooks, the rest
        through the API (as the lender's feed and the payment processor would)."""
        events = self.world.take_until(self.clock.now())
        batch: list[bytes] = []
        for event in events:
            self.tally.fed[event.type] += 1
            self.total.fed[event.type] += 1
            if _inbound_text(event):
                assert isinstance(event, ResponseEvent)
                provider = INBOUND_PROVIDER[event.channel]
                address = self._address(event)
                if address is not None and event.text:
                    await self.stack.sandbox.inbound(provider, address, event.text)
                    continue
            batch.append(encode(event))
            if len(batch) == 500:
                await self.post(http, batch)
                batch = []
        if batch:
            await self.post(http, batch)

    def _address(self, event: ResponseEvent) -> str | None:
        return self.addresses.get((event.debtor_id, event.channel))

    async def follow(self) -> None:
        """Contact commands reach the world; decisions are counted for the summary."""
        topics = Topics(self.stack.settings.topic_prefix)
        consumer = AIOKafkaConsumer(
            topics.contacts,
            topics.decisions,
            bootstrap_servers=bootstrap_servers(self.stack.settings.broker_url),
            auto_offset_reset="earliest",
            group_id=None,
            fetch_max_wait_ms=50,
        )
        seen: set[str] = set()
        try:  # start inside: a start cut short must still close what it opened
            await consumer.start()
            async for message in consumer:
                record = orjson.loads(message.value)
                if message.topic == topics.decisions:
                    why = (record["action"], deciding_rule(record["reasons"]))
                    for tally in (self.tally, self.total):
                        tally.decisions[record["action"]] += 1
                        tally.reasons[why] += 1
                    continue
                command = ContactCommand.model_validate(record)
                if command.contact_id in seen:
                    continue
                seen.add(command.contact_id)
                self.tally.contacts += 1
                self.total.contacts += 1
                self.addresses[(command.debtor_id, command.channel)] = command.address
                jurisdiction, language = self.places.get(command.debtor_id, ("?", "?"))
                self.debtor_of[command.address] = Debtor(command.debtor_id, jurisdiction, language)
                self.world.contact(command, max(command.send_at, self.clock.now()))
        finally:
            await consumer.stop()

    def day_done(self, last: dt.date, note: str = "") -> str:
        """The block from ``self.day`` to ``last`` (inclusive); the next starts after it."""
        sent = self.stack.sandbox.messages[self.shown :]
        title = day_title(START.date(), self.day, last) + note
        text = day_block(title, self.tally, sent, self.debtor_of)
        self.tally, self.shown = Tally(), self.shown + len(sent)
        self.day = last + dt.timedelta(days=1)
        return text

    def totals(self) -> str:
        days = day_number(START.date(), self.clock.now().date())
        title = (
            f"All {days} days, from {START:%Y-%m-%d %H:%M} to {self.clock.now():%Y-%m-%d %H:%M} UTC"
        )
        return day_block(title, self.total, self.stack.sandbox.messages, self.debtor_of)


def _inbound_text(event: InputEvent) -> bool:
    return isinstance(event, ResponseEvent) and event.channel in INBOUND_PROVIDER


async def run_demo(
    debtors: int,
    seed: int,
    duration_s: float | None,
    port: int,
    hours_per_second: float,
    days: int = 30,
) -> None:
    world = World(debtors, seed, TENANT, START)
    origin = time.time() + WARM_UP_S
    speed = hours_per_second * 3600.0
    clock = ScaledClock(START, origin, speed)
    overrides = {"clock_start": START, "clock_origin": origin, "clock_speed": speed}
    stack_cm = local_stack(web_port=port, log_format="console", overrides=overrides, clock=clock)
    async with stack_cm as stack:
        print(f"Recaudo demo: {debtors} simulated debtors (seed {seed}), {days} days")
        print(f"  one simulated hour every {1 / hours_per_second:.1f} s; day 1 is {START:%Y-%m-%d}")
        print(f"  web API   {stack.web_url}  ({stack.auth['Authorization']})")
        print(f"  metrics   {stack.web_url}/metrics, http://127.0.0.1:{stack.worker.port}/metrics")
        print(f"  /ops      {stack.web_url}/ops#key={API_KEY}  (portfolio; add &debtor=ID)")
        print(f"  sandbox   {stack.sandbox.url}/_sandbox/messages")
        print(f"  redis     {stack.settings.redis_url}  (private, removed on exit)")
        print(f"  logs      {stack.workdir}  (removed on exit)")
        demo = Demo(stack, world, clock)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        end = START + dt.timedelta(days=days)
        started = time.monotonic()
        async with aiohttp.ClientSession() as http:
            follower = asyncio.create_task(demo.follow())
            while not stop.is_set() and clock.now() < end:
                await demo.feed(http)
                today = clock.now().date()
                if today > demo.day:  # one or more simulated days ended: what changed
                    print(demo.day_done(today - dt.timedelta(days=1)), flush=True)
                if duration_s is not None and time.monotonic() - started >= duration_s:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.25)
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)
        if clock.now().date() >= demo.day:
            now = clock.now()
            print(demo.day_done(now.date(), f" (until {now:%H:%M} UTC)"), flush=True)
        print("\n" + demo.totals(), flush=True)
        print("\nOutcome report (each arm against the no-contact holdout, 95 % intervals):")
        report = await read_report(stack.settings, TENANT, parse_dimensions(["arm"]))
        print(to_table(report), flush=True)
        print("stopping… (the demo's Redis, broker and work folder are removed)", flush=True)
