"""``GET /v1/ops/calls``: today's calls, best first, as many as the team can make.

Ranked by the expected value of a call as the tenant's strategy values a
contact: the uplift model's share of the amount due a contact adds, times the
amount due, or the amount due alone where the tenant's targeting switches the
uplift estimate off (``streams.ops.calls``). ``capacity`` is the team's calls for the day (the
page asks it; 20 when not given). Debtors with an open task are left out:
they are in the task queue already, with a person on them.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from recaudo.foundation.keys import Keys
from recaudo.models.uplift import UpliftBook
from recaudo.streams.ops import rank_calls
from recaudo.streams.ops.calls import DEFAULT_CAPACITY
from recaudo.streams.tasks import TaskStatus
from recaudo.web.auth import tenant_of
from recaudo.web.keys import CARDS, POLICIES, REDIS, SETTINGS, TASKS
from recaudo.web.query import int_param, no_unknown
from recaudo.web.search import DebtorSummary, summary_of
from recaudo.web.stores import stores_answer

VALUE_SOURCE = "uplift x amount due (models.uplift, as the strategy values a contact)"
AMOUNT_SOURCE = "amount due (the tenant's targeting ranks without the uplift estimate)"


class Call(BaseModel):
    rank: int
    debtor: DebtorSummary
    uplift: float | None = Field(
        description="Estimated share of the amount due a call adds; null where the "
        "tenant's targeting does not use the estimate"
    )
    expected_value_minor: float = Field(
        description="uplift x amount due (the amount due without it), minor units"
    )


class CallList(BaseModel):
    tenant_id: str
    capacity: int
    value_source: str = Field(description="How expected value is estimated")
    calls: list[Call]


async def get_calls(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    tenant = tenant_of(request, settings)
    no_unknown(request, ("capacity",))
    capacity = int_param(request, "capacity", DEFAULT_CAPACITY, 1, 1000)
    now = settings.clock().now()
    with stores_answer("debtor index"):
        cards = await request.app[CARDS].cards(tenant)
        tasks = await request.app[TASKS].list(tenant, TaskStatus.OPEN)
        targeting = request.app[POLICIES](tenant).targeting
        estimated = "uplift" not in targeting.ablate
        book = UpliftBook(request.app[REDIS], _keys(request))
        uplift = await book.load(tenant, now) if estimated else None
    ranked = rank_calls(
        cards,
        uplift,
        targeting.value_of,
        now,
        capacity,
        skip=frozenset(t.debtor_id for t in tasks),
    )
    body = CallList(
        tenant_id=tenant,
        capacity=capacity,
        value_source=VALUE_SOURCE if estimated else AMOUNT_SOURCE,
        calls=[
            Call(
                rank=i,
                debtor=summary_of(item.card),
                uplift=item.uplift,
                expected_value_minor=item.expected_value,
            )
            for i, item in enumerate(ranked, 1)
        ],
    )
    return web.json_response(text=body.model_dump_json())


def _keys(request: web.Request) -> Keys:
    return Keys(request.app[SETTINGS].redis_prefix)
