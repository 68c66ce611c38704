"""``GET /v1/ops/overview``: the tenant's headline for a manager.

The verdict in words over the weekly series, and the promise-kept and roll
rates beside it (``streams.ops.headline``), from the same cached scan as
``/v1/reports/outcomes``. "As of" is the newest event time in the tenant's
data, so a demo or a replay on a simulated clock reads right.
"""

from __future__ import annotations

from aiohttp import web

from recaudo.streams.ops import headline
from recaudo.web.auth import tenant_of
from recaudo.web.keys import CARDS, SETTINGS
from recaudo.web.query import no_unknown
from recaudo.web.reports import REPORTS
from recaudo.web.stores import stores_answer


async def get_overview(request: web.Request) -> web.Response:
    tenant = tenant_of(request, request.app[SETTINGS])
    no_unknown(request, ())
    source = request.app[REPORTS]
    with stores_answer("report store"):
        report = await source.report(tenant, ["arm"])
        _, summaries = await source.summaries(tenant)
        cards = await request.app[CARDS].cards(tenant)
    as_of = max((c.last_at for c in cards), default=0.0) or None
    body = headline(tenant, report, summaries, as_of)
    return web.json_response(text=body.model_dump_json())
