"""``GET /v1/debtors?q=``: find a debtor by name, phone, e-mail or account reference.

Agents are given a name or a number on the phone, not our debtor id. The
tenant's debtors are read through the shared card cache (``streams.ops.cards``),
so a search is at most ``ops.CARDS_TTL_S`` behind the decision stage.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from recaudo.streams.ops import DebtorCard, search
from recaudo.web.auth import tenant_of
from recaudo.web.keys import CARDS, SETTINGS
from recaudo.web.problems import problem
from recaudo.web.query import no_unknown
from recaudo.web.stores import stores_answer


class DebtorSummary(BaseModel):
    """Enough to pick the right debtor, and to call them."""

    debtor_id: str
    name: str | None
    phones: list[str]
    emails: list[str]
    references: list[str] = Field(description="Account ids and the debtor's references")
    language: str
    timezone: str | None
    amount_due_minor: int
    currency: str
    days_past_due: int


class DebtorSearch(BaseModel):
    tenant_id: str
    query: str
    debtors: list[DebtorSummary] = Field(description="Best match first, at most 20")
    matched: list[str] = Field(description="What matched, per debtor: name, phone, ...")


def summary_of(card: DebtorCard) -> DebtorSummary:
    return DebtorSummary(
        debtor_id=card.debtor_id,
        name=card.name,
        phones=list(card.phones),
        emails=list(card.emails),
        references=list(card.references),
        language=card.language,
        timezone=card.timezone,
        amount_due_minor=card.amount_due_minor,
        currency=card.currency,
        days_past_due=card.days_past_due,
    )


async def search_debtors(request: web.Request) -> web.Response:
    tenant = tenant_of(request, request.app[SETTINGS])
    no_unknown(request, ("q",))
    query = request.query.get("q", "").strip()
    if not 2 <= len(query) <= 100:
        raise problem(
            web.HTTPBadRequest, "invalid_parameter", "q: 2 to 100 characters to look for", "q"
        )
    with stores_answer("debtor index"):
        hits = search(await request.app[CARDS].cards(tenant), query)
    body = DebtorSearch(
        tenant_id=tenant,
        query=query,
        debtors=[summary_of(h.card) for h in hits],
        matched=[h.matched for h in hits],
    )
    return web.json_response(text=body.model_dump_json())
