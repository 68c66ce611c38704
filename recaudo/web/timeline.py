"""``GET /v1/debtors/{debtor_id}/timeline``: a debtor's recent decisions, newest first.

Redis keeps where the last ``RECENT`` are on the decisions topic
(``streams.timeline``), and those records are read from the topic; decisions
stored as compact entries (no broker had them) are read from Redis alone.
"""

from __future__ import annotations

from aiohttp import web
from aiokafka.errors import KafkaError
from redis.exceptions import RedisError

from recaudo.streams.timeline import position, timeline_records
from recaudo.web.auth import tenant_of
from recaudo.web.keys import DECISIONS, SETTINGS, STORE
from recaudo.web.problems import problem
from recaudo.web.query import int_param, no_unknown


async def get_timeline(request: web.Request) -> web.Response:
    tenant = tenant_of(request, request.app[SETTINGS])
    debtor_id = request.match_info["debtor_id"]
    no_unknown(request, ("limit",))
    limit = int_param(request, "limit", 50, 1, 200)
    try:
        raw = await request.app[STORE].timeline((tenant, debtor_id), limit)
        pointers = [at for at in map(position, raw) if at is not None]
        fetched = await request.app[DECISIONS].read(pointers)
    except (RedisError, KafkaError, OSError, TimeoutError) as exc:
        # A store is down, not the request wrong: say so and let the client retry.
        raise problem(
            web.HTTPServiceUnavailable,
            "unavailable",
            "timeline store unavailable, retry later",
            headers={"Retry-After": "5"},
        ) from exc
    decisions = timeline_records(raw, (tenant, debtor_id), fetched)
    return web.json_response({"tenant_id": tenant, "debtor_id": debtor_id, "decisions": decisions})
