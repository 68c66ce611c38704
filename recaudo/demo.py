"""``recaudo demo``: a simulated portfolio against the whole local stack.

Accounts go in through the HTTP API; the worker decides and sends through the
sandbox providers; their signed receipts come back through the webhooks. The
simulated debtors then react as their hidden behaviour says: replies arrive as
signed inbound messages, payments through the API. Simulated hours pass in
seconds (``--hours-per-second``). A summary prints every few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import signal
import time
from collections import Counter
from collections.abc import Coroutine, Sequence
from typing import Any

import aiohttp
import orjson
from aiokafka import AIOKafkaConsumer

from recaudo.foundation.kafka import bootstrap_servers
from recaudo.simulator.portfolio import AccountTable, generate_accounts
from recaudo.simulator.reactions import react
from recaudo.stack import API_KEY, TENANT, Stack, local_stack
from recaudo.streams.codec import encode
from recaudo.streams.events import Channel, PaymentEvent, ResponseEvent
from recaudo.streams.outputs import ContactCommand
from recaudo.streams.topics import Topics

INBOUND_PROVIDER = {Channel.SMS: "twilio", Channel.WHATSAPP: "meta"}


class Demo:
    def __init__(self, stack: Stack, table: AccountTable, hours_per_second: float) -> None:
        self.stack = stack
        self.table = table
        self.index = {table.debtor_id(i): i for i in range(len(table))}
        self.hours_per_second = hours_per_second
        self.decisions: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.reactions: Counter[str] = Counter()
        self.tasks: set[asyncio.Task[None]] = set()

    async def post(self, http: aiohttp.ClientSession, events: Sequence[bytes]) -> None:
        body = b"\n".join(events)
        headers = {**self.stack.auth, "Content-Type": "application/x-ndjson"}
        async with http.post(f"{self.stack.web_url}/v1/events", data=body, headers=headers) as r:
            if r.status != 202:
                print(f"  ! events refused ({r.status}): {await r.text()}")

    async def load_portfolio(self, http: aiohttp.ClientSession) -> None:
        now = dt.datetime.now(dt.UTC)
        batch: list[bytes] = []
        for i in range(len(self.table)):
            batch.append(encode(self.table.account_event(i, TENANT, now)))
            if len(batch) == 500:
                await self.post(http, batch)
                batch = []
        if batch:
            await self.post(http, batch)

    async def follow(self, http: aiohttp.ClientSession) -> None:
        """Read contact commands and decisions; schedule each debtor's reaction."""
        topics = Topics(self.stack.settings.topic_prefix)
        consumer = AIOKafkaConsumer(
            topics.contacts,
            topics.decisions,
            bootstrap_servers=bootstrap_servers(self.stack.settings.broker_url),
            auto_offset_reset="earliest",
            group_id=None,
            fetch_max_wait_ms=50,
        )
        await consumer.start()
        seen: set[str] = set()
        try:
            async for message in consumer:
                record = orjson.loads(message.value)
                if message.topic == topics.decisions:
                    self.decisions[record["action"]] += 1
                    for reason in record["reasons"]:
                        self.reasons[f"{record['action']}:{reason['rule_id']}"] += 1
                    continue
                command = ContactCommand.model_validate(record)
                if command.contact_id not in seen:
                    seen.add(command.contact_id)
                    self._spawn(self.react_to(http, command))
        finally:
            await consumer.stop()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def react_to(self, http: aiohttp.ClientSession, command: ContactCommand) -> None:
        i = self.index.get(command.debtor_id)
        if i is None:
            return
        account = self.table.account_event(i, TENANT, command.send_at)
        for event in react(command, self.table.behaviour(i), account):
            if not isinstance(event, ResponseEvent | PaymentEvent):
                continue  # receipts come from the sandbox's signed webhooks
            wait_h = (event.occurred_at - command.send_at).total_seconds() / 3600
            await asyncio.sleep(wait_h / self.hours_per_second)
            provider = (
                INBOUND_PROVIDER.get(event.channel) if isinstance(event, ResponseEvent) else None
            )
            if isinstance(event, ResponseEvent) and provider and event.text:
                await self.stack.sandbox.inbound(provider, command.address, event.text)
                self.reactions[f"reply via {provider}"] += 1
            else:
                await self.post(http, [encode(event)])
                self.reactions[event.type] += 1

    def summary(self, started: float) -> str:
        sent = len(self.stack.sandbox.messages)
        by_provider = Counter(m.provider for m in self.stack.sandbox.messages)
        top = ", ".join(f"{k} {v}" for k, v in self.reasons.most_common(6))
        out = (
            f"[{time.monotonic() - started:5.0f}s] decisions {dict(self.decisions)} | "
            f"messages sent {sent} {dict(by_provider)} | reactions {dict(self.reactions)}\n"
            f"        top reasons: {top}"
        )
        if self.stack.sandbox.messages:
            # The latest message as the debtor received it (issue 10: real texts).
            last = self.stack.sandbox.messages[-1]
            text = " ".join(last.text.split())
            out += f"\n        last {last.channel} via {last.provider}: {text[:200]}"
        return out


async def run_demo(
    debtors: int, seed: int, duration_s: float | None, port: int, hours_per_second: float
) -> None:
    table = generate_accounts(debtors, seed)
    async with local_stack(web_port=port, log_format="console") as stack:
        print(f"Recaudo demo: {debtors} simulated debtors (seed {seed})")
        print(f"  web API   {stack.web_url}  ({stack.auth['Authorization']})")
        print(f"  metrics   {stack.web_url}/metrics, http://127.0.0.1:{stack.worker.port}/metrics")
        print(f"  timeline  {stack.web_url}/ops#debtor={table.debtor_id(0)}&key={API_KEY}")
        print(f"  sandbox   {stack.sandbox.url}/_sandbox/messages")
        print(f"  redis     {stack.settings.redis_url}  (private, removed on exit)")
        print(f"  logs      {stack.workdir}  (removed on exit)")
        # Reserved for the outcome report of the backtest clock (issue 8): the
        # days-passing line and the printed report go here once reports exist.
        demo = Demo(stack, table, hours_per_second)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        started = time.monotonic()
        async with aiohttp.ClientSession() as http:
            follower = asyncio.create_task(demo.follow(http))
            await demo.load_portfolio(http)
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 5)
                print(demo.summary(started), flush=True)
                if duration_s is not None and time.monotonic() - started >= duration_s:
                    break
            follower.cancel()
            for task in list(demo.tasks):
                task.cancel()
            await asyncio.gather(follower, *demo.tasks, return_exceptions=True)
        print("stopping… (the demo's Redis, broker and work folder are removed)", flush=True)
