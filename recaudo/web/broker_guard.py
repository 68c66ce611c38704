"""A 202 only for what the broker, as it is now, holds: the POST guard.

A broker that restarted empty answers produce requests (into topics it
re-creates empty, or with "not leader" until it does) while the periodic
``BrokerWatch`` check may be up to one interval away. Every POST is therefore
refused while the watch says the broker lost its data, and confirmed after its
handler succeeded: the deployment marker is still on the broker, so nothing
restarted empty before the acknowledged produce (one ListOffsets round trip
per successful POST, not per event). A produce that stalls past ``STALL_S`` is
checked too, so an empty broker gets a 503 in about a second, not when the
producer gives up (40 s). The sender resends on 503; intake is idempotent by
event id, so a resend never decides an event twice.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from aiokafka.errors import KafkaError

from recaudo.foundation.broker_watch import BrokerWatch
from recaudo.web.problems import problem_response

STALL_S = 1.0
RETRY_AFTER = {"Retry-After": "5"}


def restarted() -> web.Response:
    return problem_response(
        503,
        "broker_restarted",
        "the broker restarted empty; retry once it is restored",
        headers=RETRY_AFTER,
    )


def unconfirmed() -> web.Response:
    return problem_response(
        503,
        "broker_unavailable",
        "the broker did not confirm the events are stored; resend them",
        headers=RETRY_AFTER,
    )


def broker_guard(watch: BrokerWatch) -> Middleware:
    @web.middleware
    async def refuse_intake_on_empty_broker(
        request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        if request.method != "POST":
            return await handler(request)
        if not watch.ok:
            return restarted()
        handling = asyncio.ensure_future(handler(request))
        try:
            done, _ = await asyncio.wait({handling}, timeout=STALL_S)
            if not done and await watch.confirm() is False:
                # Part of the batch may be in the empty broker: all is resent.
                return restarted()
            response = await handling
        except KafkaError:
            # A produce failed (not leader, unknown topic): say which it was.
            return restarted() if await watch.confirm() is False else unconfirmed()
        finally:
            if not handling.done():
                handling.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await handling
        if not 200 <= response.status < 300:
            return response
        confirmed = await watch.confirm()
        if confirmed is None:
            return unconfirmed()
        return response if confirmed else restarted()

    return refuse_intake_on_empty_broker
