"""A CRM's webhook receiver on a free loopback port, verifying with ``standardwebhooks``.

The verification is the library's, never ours: a signature we got wrong fails here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
import standardwebhooks
from aiohttp import web

from recaudo.embedded import free_port


@dataclass
class Receiver:
    secrets: list[str]
    status: int = 200
    delay_s: float = 0.0
    url: str = ""
    #: (webhook-id, parsed body) of every request that verified, in arrival order.
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    hits: int = 0
    unverified: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.hits += 1
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        verified = False
        for secret in self.secrets:
            try:
                standardwebhooks.Webhook(secret).verify(body.decode(), headers)
                verified = True
            except standardwebhooks.WebhookVerificationError:
                continue
        if not verified:
            self.unverified += 1
            return web.Response(status=401)
        if self.status == 200:
            self.received.append((headers["webhook-id"], orjson.loads(body)))
        return web.Response(status=self.status)

    def ids(self) -> list[str]:
        return [msg_id for msg_id, _ in self.received]


@asynccontextmanager
async def serving(receiver: Receiver) -> AsyncIterator[Receiver]:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    receiver.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield receiver
    finally:
        await runner.cleanup()
