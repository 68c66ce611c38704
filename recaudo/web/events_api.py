"""``POST /v1/events``: JSON (one event or an array) or NDJSON, all-or-nothing.

A batch with any invalid event is refused whole with every problem listed, so
the sender fixes and resends it; nothing half-accepted needs reconciling.
Accepted events are on the broker (acked) before the 202 goes out.

Strict input: beyond the schema (amounts, ISO 4217, E.164 phones, e-mail),
``occurred_at`` must be within the configured skew and a payment in the
currency of its account, for an account still open and at most its balance
(as far as the decision state knows the account); an ``event_id`` already
used for other content is a conflict, answered 409.

Each problem is one entry of ``errors``: the event's 0-based ``index`` (its
position in the JSON array, 0 for a single object, its 0-based line in NDJSON),
a JSON Pointer to the field into the batch seen as an array of events
(``/3/amount_due/currency``), the field's dotted ``parameter``, a ``code`` and
a ``message`` (``recaudo.web.problems``).

Fairness: the body must arrive within ``http_body_timeout_s`` (408), each
tenant has at most ``http_tenant_concurrency`` batches in flight (the rest
wait their turn, other tenants do not), and validation and produce go in
chunks that yield the event loop, so one tenant's maximum-size batch does not
stall the others' requests.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import orjson
from aiohttp import web
from pydantic import TypeAdapter, ValidationError
from redis.exceptions import RedisError

from recaudo.contracts.codec import encode
from recaudo.contracts.events import (
    AccountEvent,
    AccountStatus,
    InputEvent,
    PaymentEvent,
)
from recaudo.contracts.topics import TOPIC_OF_TYPE, topic_of
from recaudo.contracts.urgency import occurred_at_error
from recaudo.web.auth import tenant_of
from recaudo.web.body import body_media_type, read_body
from recaudo.web.keys import (
    DIGESTS,
    HTTP_EVENTS,
    PUBLISHER,
    SETTINGS,
    STORE,
    TENANT_SLOTS,
    TOPICS,
)
from recaudo.web.problems import BODY, problem

_INPUT: TypeAdapter[Any] = TypeAdapter(InputEvent)
NDJSON = {"application/x-ndjson", "application/ndjson", "application/jsonl"}


def _documents(body: bytes, content_type: str) -> list[tuple[int, bytes | Any]]:
    if content_type in NDJSON:
        lines = body.split(b"\n")
        return [(i, line) for i, line in enumerate(lines) if line.strip()]
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        why = f"body is not valid JSON: {exc}"
        raise problem(web.HTTPBadRequest, "invalid_json", why, BODY) from exc
    items = parsed if isinstance(parsed, list) else [parsed]
    return list(enumerate(items))


def _entry(index: int, code: str, path: tuple[Any, ...], message: str) -> dict[str, Any]:
    """One problem of one event; ``path`` is the field's location in the event."""
    dotted = ".".join(str(p) for p in path)
    pointer = f"/{index}" + "".join(
        "/" + str(p).replace("~", "~0").replace("/", "~1") for p in path
    )
    entry: dict[str, Any] = {"index": index, "pointer": pointer, "code": code}
    if dotted:
        entry["parameter"] = dotted
    entry["message"] = f"{dotted}: {message}" if dotted else message
    return entry


def _said(index: int, code: str, why: str) -> dict[str, Any]:
    """An entry from a ``"field.path: what"`` sentence (the shared validators' form)."""
    field, _, message = why.partition(": ")
    return _entry(index, code, tuple(field.split(".")), message)


#: A model-level validator's ``ValueError`` in the ``"field.path: what"`` form.
_FIELD_SAID = re.compile(
    r"Value error, (?P<field>[a-z_]+(?:\.(?:[a-z_]+|\d+))*): (?P<message>.+)", re.S
)


def _invalid(index: int, exc: ValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if loc and loc[0] in TOPIC_OF_TYPE:
            loc = loc[1:]  # the discriminator's tag, not a field of the event
        elif err["type"].startswith("union_tag"):
            loc = ("type",)
        said = _FIELD_SAID.fullmatch(err["msg"]) if not loc else None
        if said is not None:
            # A rule across fields (the shared validators) names its field in its
            # words: "Value error, due_date: must be ..." points at /<i>/due_date.
            path = tuple(int(p) if p.isdigit() else p for p in said["field"].split("."))
            out.append(_entry(index, "invalid_field", path, said["message"]))
            continue
        out.append(_entry(index, "invalid_field", loc, err["msg"]))
    return out


def _refused(status: type[web.HTTPException], code: str, what: str, errors: list[Any]) -> Any:
    events = len({e["index"] for e in errors})
    message = f"batch refused: {what} ({len(errors)} problem(s) in {events} event(s))"
    return problem(status, code, message, errors[0]["pointer"], errors=errors)


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
    content_type = body_media_type(request)
    docs = _documents(body, content_type)
    if not docs:
        raise problem(web.HTTPBadRequest, "bad_request", "no events in the body", BODY)
    events: list[Any] = []
    errors: list[dict[str, Any]] = []
    indexes: list[int] = []
    now = request.app[SETTINGS].clock().now()
    for index, doc in docs:
        if index % settings.http_produce_chunk == settings.http_produce_chunk - 1:
            await asyncio.sleep(0)  # let other requests run between chunks
        try:
            data = orjson.loads(doc) if isinstance(doc, bytes) else doc
            event = _INPUT.validate_python(data)
        except orjson.JSONDecodeError as exc:
            errors.append(_entry(index, "invalid_json", (), f"not valid JSON: {exc}"))
            continue
        except ValidationError as exc:
            errors.extend(_invalid(index, exc))
            continue
        if event.tenant_id != tenant:
            why = f"{event.tenant_id!r} is not this key's tenant"
            errors.append(_entry(index, "wrong_tenant", ("tenant_id",), why))
            continue
        skew = occurred_at_error(event, now, settings.event_future_skew_s, settings.event_max_age_s)
        if skew is not None:
            errors.append(_said(index, "clock_skew", skew))
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
        raise problem(
            web.HTTPServiceUnavailable,
            "unavailable",
            "event store unavailable, retry later",
            headers={"Retry-After": "5"},
        ) from exc
    if errors:
        counter.labels("rejected").inc(len(docs))
        raise _refused(web.HTTPBadRequest, "invalid_events", "fix these events and resend", errors)
    if conflicts:
        counter.labels("rejected").inc(len(docs))
        problems = [
            _entry(
                indexes[i],
                "event_id_conflict",
                ("event_id",),
                f"{events[i].event_id!r} already names an event with other content",
            )
            for i in sorted(conflicts)
        ]
        raise _refused(
            web.HTTPConflict, "event_id_conflict", "event ids re-used with other content", problems
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
                    publisher.publish(topics.name(topic_of(e)), e.debtor_id, encode(e))
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
            out.append(_said(indexes[i], "payment_mismatch", why))
    return out
