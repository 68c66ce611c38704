"""``POST /v1/events``: JSON (one event or an array) or NDJSON, all-or-nothing.

A batch with any invalid event is refused whole with every problem listed, so
the sender fixes and resends it; nothing half-accepted needs reconciling.
Accepted events are on the broker (acked) before the 202 goes out.

Strict input: beyond the schema (amounts, ISO 4217, E.164 phones, e-mail),
``occurred_at`` must be within the configured skew and a payment in the
currency of its account, for an account still open and at most its balance
(as far as the decision state knows the account); an ``event_id`` already
used for other content is a conflict, answered 409.

Fairness: the body must arrive within ``http_body_timeout_s`` (408), each
tenant has at most ``http_tenant_concurrency`` batches in flight (the rest
wait their turn, other tenants do not), and validation and produce go in
chunks that yield the event loop, so one tenant's maximum-size batch does not
stall the others' requests.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web
from pydantic import TypeAdapter, ValidationError
from redis.exceptions import RedisError

from recaudo.streams.codec import encode
from recaudo.streams.events import (
    TOPIC_OF_TYPE,
    AccountEvent,
    AccountStatus,
    InputEvent,
    PaymentEvent,
)
from recaudo.streams.pipeline import describe
from recaudo.streams.validators import skew_error
from recaudo.web.auth import tenant_of
from recaudo.web.body import read_body
from recaudo.web.keys import (
    DIGESTS,
    HTTP_EVENTS,
    PUBLISHER,
    SETTINGS,
    STORE,
    TENANT_SLOTS,
    TOPICS,
)

_INPUT: TypeAdapter[Any] = TypeAdapter(InputEvent)
NDJSON = {"application/x-ndjson", "application/ndjson", "application/jsonl"}


def _documents(body: bytes, content_type: str) -> list[tuple[int, bytes | Any]]:
    if content_type in NDJSON:
        lines = body.split(b"\n")
        return [(i, line) for i, line in enumerate(lines, 1) if line.strip()]
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise web.HTTPBadRequest(
            text=orjson.dumps({"error": f"body is not valid JSON: {exc}"}).decode(),
            content_type="application/json",
        ) from exc
    items = parsed if isinstance(parsed, list) else [parsed]
    return list(enumerate(items, 1))


async def post_events(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    tenant = tenant_of(request, settings)
    body = await read_body(request, settings.http_body_timeout_s)
    slots = request.app[TENANT_SLOTS]
    slot = slots.setdefault(tenant, asyncio.Semaphore(settings.http_tenant_concurrency))
    async with slot:
        return await _intake(request, tenant, body)


async def _intake(request: web.Request, tenant: str, body: bytes) -> web.Response:
    settings = request.app[SETTINGS]
    try:
        content_type = request.content_type
    except (IndexError, ValueError):
        # The stdlib's header parser fails on some malformed values (";0*").
        raise web.HTTPBadRequest(
            text='{"error": "Content-Type: malformed header"}', content_type="application/json"
        ) from None
    docs = _documents(body, content_type)
    if not docs:
        raise web.HTTPBadRequest(
            text='{"error": "no events in the body"}', content_type="application/json"
        )
    events, errors, indexes = [], [], []
    now = request.app[SETTINGS].clock().now()
    for index, doc in docs:
        if index % settings.http_produce_chunk == 0:
            await asyncio.sleep(0)  # let other requests run between chunks
        try:
            data = orjson.loads(doc) if isinstance(doc, bytes) else doc
            event = _INPUT.validate_python(data)
        except orjson.JSONDecodeError as exc:
            errors.append({"index": index, "error": f"not valid JSON: {exc}"})
            continue
        except ValidationError as exc:
            errors.append({"index": index, "error": describe(exc)})
            continue
        if event.tenant_id != tenant:
            errors.append(
                {"index": index, "error": f"tenant_id {event.tenant_id!r} is not this key's"}
            )
            continue
        skew = skew_error(
            event.occurred_at, now, settings.event_future_skew_s, settings.event_max_age_s
        )
        if skew is not None:
            errors.append({"index": index, "error": skew})
            continue
        events.append(event)
        indexes.append(index)
    counter = request.app[HTTP_EVENTS]
    try:
        if not errors:
            errors = await _payment_errors(request, events, indexes)
        conflicts = set() if errors else await request.app[DIGESTS].conflicts(events)
    except (RedisError, OSError) as exc:
        # Intake cannot check ids without Redis: the sender retries, nothing is half-done.
        raise web.HTTPServiceUnavailable(
            text='{"error": "event store unavailable, retry later"}',
            content_type="application/json",
            headers={"Retry-After": "5"},
        ) from exc
    if errors:
        counter.labels("rejected").inc(len(docs))
        return web.json_response(
            {"error": "batch refused: fix these events and resend", "errors": errors},
            status=400,
        )
    if conflicts:
        counter.labels("rejected").inc(len(docs))
        problems = [
            {
                "index": indexes[i],
                "error": f"event_id {events[i].event_id!r} already names "
                "an event with other content",
            }
            for i in sorted(conflicts)
        ]
        return web.json_response(
            {"error": "batch refused: event ids re-used with other content", "errors": problems},
            status=409,
        )
    topics, publisher = request.app[TOPICS], request.app[PUBLISHER]
    step = settings.http_produce_chunk
    # Snapshots go out once everything else in the batch is on the broker: a worker
    # that reads a snapshot then reads the payments, opt-outs and replies sent with
    # it in the same fetch, and so never contacts a debtor the batch says has paid.
    first = [e for e in events if not isinstance(e, AccountEvent)]
    snapshots = [e for e in events if isinstance(e, AccountEvent)]
    for wave in (first, snapshots):
        for start in range(0, len(wave), step):
            await asyncio.gather(
                *(
                    publisher.publish(topics.name(TOPIC_OF_TYPE[e.type]), e.debtor_id, encode(e))
                    for e in wave[start : start + step]
                )
            )
    counter.labels("accepted").inc(len(events))
    return web.json_response({"accepted": len(events)}, status=202)


CLOSED = frozenset({AccountStatus.CLOSED, AccountStatus.SETTLED})


async def _payment_errors(
    request: web.Request, events: list[Any], indexes: list[int]
) -> list[dict[str, Any]]:
    """A payment must fit the account as the decision state knows it: its currency,
    an account still open, at most its balance. A payment the state cannot judge yet
    (its account unknown, a newer snapshot in the same batch, or older than the
    account's snapshot) is left to the decision stage (README, "Integration contract")."""
    payments = [(i, e) for i, e in enumerate(events) if isinstance(e, PaymentEvent)]
    if not payments:
        return []
    snapshots = {(e.debtor_id, e.account_id) for e in events if isinstance(e, AccountEvent)}
    refs = {(e.tenant_id, e.debtor_id) for _, e in payments}
    loaded = await request.app[STORE].load((ref, []) for ref in refs)
    out = []
    for i, event in payments:
        account = loaded[(event.tenant_id, event.debtor_id)].state.accounts.get(event.account_id)
        if account is None:
            continue
        why = None
        if account.cur != event.amount.currency:
            why = f"amount.currency: {event.amount.currency} is not the account's {account.cur}"
        elif (
            event.reversal_of
            or (event.debtor_id, event.account_id) in snapshots
            or event.occurred_at.timestamp() <= account.at
        ):
            continue
        elif account.status in CLOSED:
            why = f"account_id: account {event.account_id!r} is {account.status.value}"
        elif event.amount.amount_minor > account.bal:
            why = (
                f"amount.amount_minor: {event.amount.amount_minor} is more than "
                f"the account's balance {account.bal}"
            )
        if why is not None:
            out.append({"index": indexes[i], "error": why})
    return out
