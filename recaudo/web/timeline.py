"""``GET /v1/debtors/{debtor_id}/timeline``: a debtor's recent decisions, newest first.

The recent view Redis keeps (``streams.timeline``: the last ``RECENT``, compact);
the decisions topic holds every decision in full.
"""

from __future__ import annotations

from aiohttp import web
from redis.exceptions import RedisError

from recaudo.streams.timeline import timeline_records
from recaudo.web.auth import tenant_of
from recaudo.web.keys import SETTINGS, STORE


async def get_timeline(request: web.Request) -> web.Response:
    tenant = tenant_of(request, request.app[SETTINGS])
    debtor_id = request.match_info["debtor_id"]
    try:
        limit = min(200, max(1, int(request.query.get("limit", "50"))))
    except ValueError as exc:
        raise web.HTTPBadRequest(
            text='{"error": "limit must be an integer"}', content_type="application/json"
        ) from exc
    try:
        raw = await request.app[STORE].timeline((tenant, debtor_id), limit)
    except (RedisError, OSError) as exc:
        # The store is down, not the request wrong: say so and let the client retry.
        raise web.HTTPServiceUnavailable(
            text='{"error": "timeline store unavailable, retry later"}',
            content_type="application/json",
            headers={"Retry-After": "5"},
        ) from exc
    decisions = timeline_records(raw, (tenant, debtor_id))
    return web.json_response({"tenant_id": tenant, "debtor_id": debtor_id, "decisions": decisions})
