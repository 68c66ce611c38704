"""The delivery loop: due lanes' heads go out, signed, off the decision path.

It runs as its own task in the worker and only reads the outbox, so an endpoint
that is slow, down or answering 500 costs this loop time, never a decision.
Lanes are sent concurrently (``concurrency``), each request bounded by
``timeout_s``. Schedules, backoff and breakers run on the injected clock; the
``webhook-timestamp`` is the signing clock's (the wall clock: receivers check
it against theirs), and latency is wall seconds, for the log and the metric.
"""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
from redis.exceptions import RedisError

from recaudo.channels.breaker import Breakers, CircuitBreaker
from recaudo.channels.outbound.backoff import Backoff
from recaudo.channels.outbound.endpoints import Endpoint, EndpointStore
from recaudo.channels.outbound.metrics import OutboundMetrics
from recaudo.channels.outbound.queue import DeliveryRecord, Lane, Message, Outbox, Outcome
from recaudo.channels.outbound.signing import Signer
from recaudo.channels.outbound.ssrf import GuardedResolver, UrlGuard
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.foundation.errors import UnsafeUrl

log = logging.getLogger(__name__)
FAILURES = (aiohttp.ClientError, TimeoutError, OSError)


def endpoint_breakers(clock: Clock, threshold: int = 5, reset_after_s: float = 60.0) -> Breakers:
    """One breaker per endpoint, timed by ``clock`` (simulated days pass in tests)."""
    return Breakers(
        lambda: CircuitBreaker(threshold, reset_after_s, clock=lambda: clock.now().timestamp())
    )


class DeliveryLoop:
    def __init__(
        self,
        endpoints: EndpointStore,
        outbox: Outbox,
        *,
        guard: UrlGuard,
        clock: Clock,
        breakers: Breakers,
        metrics: OutboundMetrics,
        backoff: Backoff | None = None,
        signing_clock: Clock = WALL_CLOCK,
        timeout_s: float = 10.0,
        concurrency: int = 32,
        batch: int = 256,
    ) -> None:
        self._endpoints = endpoints
        self._outbox = outbox
        self._guard = guard
        self._clock = clock
        self._breakers = breakers
        self._metrics = metrics
        self._backoff = backoff or Backoff()
        self._signing_clock = signing_clock
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._slots = asyncio.Semaphore(concurrency)
        self._batch = batch
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(resolver=GuardedResolver(self._guard))
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def run(self, tick_s: float = 0.5) -> None:
        """Until cancelled: deliver what is due, then wait a tick when nothing was."""
        try:
            while True:
                try:
                    busy = await self.run_once()
                except (RedisError, OSError):
                    # Redis away: every message waits in it; try again next tick.
                    log.warning("webhook delivery: Redis unavailable", exc_info=True)
                    busy = 0
                if not busy:
                    await asyncio.sleep(tick_s)
        finally:
            await self.close()

    async def run_once(self) -> int:
        """Try the head of every lane due now; how many lanes were taken."""
        lanes = await self._outbox.take(self._clock.now().timestamp(), self._batch)
        await asyncio.gather(*(self._lane(lane) for lane in lanes))
        return len(lanes)

    async def _lane(self, lane: Lane) -> None:
        async with self._slots:
            now = self._clock.now().timestamp()
            message = await self._outbox.head(lane)
            if message is None or message.status != "pending":
                # Expired, or delivered before a crash lost the pop: never sent twice.
                await self._outbox.advance(lane, now)
                return
            endpoint = await self._endpoints.get(lane.tenant_id, lane.endpoint_id)
            if endpoint is None:  # deleted: its messages go nowhere
                await self._outbox.dead_letter(message, now)
                await self._outbox.advance(lane, now)
                return
            self._metrics.seen(lane.tenant_id, lane.endpoint_id)
            breaker = self._breakers[lane.endpoint_id]
            if not breaker.allow():
                self._metrics.attempt(lane.tenant_id, lane.endpoint_id, "breaker_open", None)
                await self._outbox.retry_at(lane, now + breaker.reset_after_s)
                return
            await self._attempt(lane, endpoint, message, breaker, now)

    async def _attempt(
        self, lane: Lane, endpoint: Endpoint, message: Message, breaker: CircuitBreaker, now: float
    ) -> None:
        attempt = message.attempts + 1
        first = message.first_attempt_at if message.first_attempt_at is not None else now
        status: int | None = None
        error: str | None = None
        outcome: Outcome = "failed"
        started = time.monotonic()
        try:
            self._guard.check_syntax(endpoint.url)  # addresses: checked by the resolver
            headers = Signer(endpoint.live_secrets(self._clock.now())).headers(
                message.msg_id, self._signing_clock.now(), message.body
            )
            async with self._http().post(
                endpoint.url, data=message.body.encode(), headers=headers, allow_redirects=False
            ) as response:
                status = response.status
                await response.read()
            outcome = "delivered" if 200 <= status < 300 else "failed"
        except UnsafeUrl as exc:
            error, outcome = str(exc), "refused"
        except FAILURES as exc:
            error = f"{type(exc).__name__}: {exc}"[:200]
        seconds = time.monotonic() - started
        self._metrics.attempt(lane.tenant_id, lane.endpoint_id, outcome, seconds)
        updated = message.model_copy(
            update={
                "attempts": attempt,
                "first_attempt_at": first,
                "last_status_code": status,
                "last_error": error,
            }
        )
        if outcome == "delivered":
            breaker.record_success()
            await self._outbox.save(updated.model_copy(update={"status": "delivered"}))
            await self._outbox.advance(lane, now)
        else:
            if outcome == "failed":  # a refused address is ours to fix, not its health
                breaker.record_failure()
            next_at = self._backoff.next_at(message.msg_id, attempt, first, now)
            if next_at is None:
                outcome = "dead_lettered"
                self._metrics.attempt(lane.tenant_id, lane.endpoint_id, outcome, None)
                await self._outbox.dead_letter(updated, now)
                await self._outbox.advance(lane, now)
            else:
                await self._outbox.save(updated)
                await self._outbox.retry_at(lane, next_at)
        record = DeliveryRecord(
            msg_id=message.msg_id,
            type=message.type,
            debtor_id=lane.debtor_id,
            attempt=attempt,
            at=now,
            outcome=outcome,
            status_code=status,
            latency_ms=round(seconds * 1000, 1),
            error=error,
        )
        await self._outbox.log(lane.tenant_id, lane.endpoint_id, record)
