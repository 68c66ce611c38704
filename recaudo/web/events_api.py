"""``POST /v1/events``: JSON (one event or an array) or NDJSON, all-or-nothing.

A batch with any invalid event is refused whole with every problem listed, so
the sender fixes and resends it; nothing half-accepted needs reconciling.
Accepted events are on the broker (acked) before the 202 goes out.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web
from pydantic import TypeAdapter, ValidationError

from recaudo.streams.codec import encode
from recaudo.streams.events import TOPIC_OF_TYPE, InputEvent
from recaudo.streams.pipeline import describe
from recaudo.web.auth import tenant_of
from recaudo.web.keys import HTTP_EVENTS, PUBLISHER, SETTINGS, TOPICS

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
    body = await request.read()
    docs = _documents(body, request.content_type)
    if not docs:
        raise web.HTTPBadRequest(
            text='{"error": "no events in the body"}', content_type="application/json"
        )
    events, errors = [], []
    for index, doc in docs:
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
        events.append(event)
    counter = request.app[HTTP_EVENTS]
    if errors:
        counter.labels("rejected").inc(len(docs))
        return web.json_response(
            {"error": "batch refused: fix these events and resend", "errors": errors},
            status=400,
        )
    topics, publisher = request.app[TOPICS], request.app[PUBLISHER]
    await asyncio.gather(
        *(
            publisher.publish(topics.name(TOPIC_OF_TYPE[e.type]), e.debtor_id, encode(e))
            for e in events
        )
    )
    counter.labels("accepted").inc(len(events))
    return web.json_response({"accepted": len(events)}, status=202)
