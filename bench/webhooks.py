"""Webhook endpoint under a bounded loopback load, against a no-op baseline.

Posts N correctly signed Twilio status callbacks (each for its own contact,
so every request runs the whole pipeline: signature, dedupe, contact lookup,
status machine, publish) with C concurrent clients to ``POST
/webhooks/twilio``, then the same requests to a baseline aiohttp handler that
reads the body and answers 200 without any verification. Real Redis; the
publisher is in memory (it acks at once), so the figures exclude the broker.

    PYTHONPATH=. python bench/webhooks.py --requests 5000 --concurrency 32
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Sequence

import aiohttp
import redis.asyncio as aioredis
import yarl
from aiohttp import web

from recaudo.channels.dedupe import Deduper
from recaudo.channels.directory import ContactDirectory, ContactRef
from recaudo.channels.sandbox import signing
from recaudo.channels.status_machine import StatusMachine
from recaudo.channels.webhooks import WebhookService, add_webhook_routes
from recaudo.channels.webhooks.twilio import TwilioVerifier
from recaudo.contracts.events import Channel
from recaudo.embedded import free_port
from recaudo.foundation.keys import Keys

TOKEN = "bench-token"


class NullPublisher:
    def __init__(self) -> None:
        self.count = 0

    async def publish(self, topic: str, key: str, value: bytes) -> None:
        self.count += 1


async def load(
    base: str, requests: Sequence[tuple[dict[str, str], bytes, str]], concurrency: int
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    queue = iter(requests)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            nonlocal errors
            for headers, body, path in queue:
                start = time.perf_counter()
                url = yarl.URL(base + path, encoded=True)
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    if resp.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - start)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return elapsed, latencies, errors


def report(name: str, elapsed: float, latencies: list[float], errors: int) -> float:
    ordered = sorted(latencies)
    rps = len(latencies) / elapsed
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
    print(f"{name:<10} {rps:>9.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   errors {errors}")
    return rps


async def main(n: int, concurrency: int, redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    keys = Keys(prefix=f"bench-{uuid.uuid4().hex[:8]}")
    directory = ContactDirectory(client, keys, ttl_s=600)
    publisher = NullPublisher()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    service = WebhookService(
        [TwilioVerifier(TOKEN)],
        publisher=publisher,
        deduper=Deduper(client, keys, ttl_s=600),
        machine=StatusMachine(client, keys, ttl_s=600),
        directory=directory,
        public_base_url=base,
    )

    async def baseline(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="ok")

    app = web.Application()
    add_webhook_routes(app, service)
    app.router.add_post("/baseline", baseline)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        requests = []
        for i in range(n):
            ref = ContactRef(
                tenant_id="bench", contact_id=f"c{i}", debtor_id=f"d{i}",
                channel=Channel.SMS, address=f"+1555{i:07d}",
            )  # fmt: skip
            await directory.remember(ref)
            url = f"{base}/webhooks/twilio?ref={ref.token}"
            params = [
                ("MessageSid", f"SM{i:032d}"),
                ("MessageStatus", "delivered"),
                ("To", ref.address),
            ]
            requests.append(
                (*signing.twilio(TOKEN, url, params), f"/webhooks/twilio?ref={ref.token}")
            )
        print(
            f"{n} signed Twilio status callbacks, concurrency {concurrency}, loopback, real Redis"
        )
        el, lat, err = await load(base, requests, concurrency)
        rps = report("webhooks", el, lat, err)
        baseline_requests = [(h, b, "/baseline") for h, b, _ in requests]
        el, lat, err = await load(base, baseline_requests, concurrency)
        base_rps = report("baseline", el, lat, err)
        print(f"ratio webhooks/baseline: {rps / base_rps:.2f}  (published {publisher.count})")
    finally:
        await runner.cleanup()
        found = [k async for k in client.scan_iter(match=f"{keys.prefix}:*", count=1000)]
        for start in range(0, len(found), 1000):
            await client.delete(*found[start : start + 1000])
        await client.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.concurrency, args.redis_url))
