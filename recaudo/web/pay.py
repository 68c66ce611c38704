"""``GET /pay/{token}``: a debtor's click on the payment link in a message.

A token we did not sign (tampered, truncated, another deployment's) is 404
and nothing else is said. An expired one gets a plain page saying so, never
the payment page. A valid one redirects to the tenant's payment page, as the
served policy has it now, filled with the references the message was sent
with (``PayDestination``), or, with a payment provider configured, shows the
debtor's own page (``web.selfservice``); and it publishes a ``clicked``
delivery event, which the learners take as the contact's reward; its event id
is the contact's, so repeated clicks are one event.

Only a person's GET is a click. A ``HEAD``, a browser's prefetch
(``Sec-Purpose``/``Purpose: prefetch``) and the link-preview fetchers of chat
apps and social sites (told by their User-Agent: ``PREVIEWERS``) get the same
answer and publish nothing, so a preview never reads as the debtor engaging.
"""

from __future__ import annotations

import re
from typing import Protocol

from aiohttp import web

from recaudo.channels.content import PayLinks, PayRecord, PayToken
from recaudo.channels.directory import ContactDirectory
from recaudo.contracts.codec import encode
from recaudo.contracts.events import DeliveryEvent, DeliveryStatus
from recaudo.web.keys import PUBLISHER, SETTINGS, TOPICS
from recaudo.web.problems import problem
from recaudo.web.stores import stores_answer


class PayPage(Protocol):
    """The debtor's self-service page (``web.selfservice``), shown instead of the redirect."""

    async def page(
        self, request: web.Request, link: PayToken, record: PayRecord
    ) -> web.StreamResponse: ...


PAY_LINKS = web.AppKey("pay_links", PayLinks)
PAY_PAGE: web.AppKey[PayPage] = web.AppKey("pay_page")
# Where the dispatcher left each link's record: the debtor's contacts hash.
PAY_DIRECTORY = web.AppKey("pay_directory", ContactDirectory)

#: User-Agents of the fetchers that open a link to draw its preview card.
PREVIEWERS = re.compile(
    r"facebookexternalhit|facebot|whatsapp|twitterbot|telegrambot|discordbot|slackbot"
    r"|slack-imgproxy|linkedinbot|skypeuripreview|viber|snapchat|pinterestbot|redditbot"
    r"|embedly|iframely|googlebot|bingbot|applebot|bitlybot|vkshare|google-pagerenderer",
    re.IGNORECASE,
)


def is_click(request: web.Request) -> bool:
    """A person following the link, not a HEAD, a prefetch or a preview fetcher."""
    if request.method != "GET":
        return False
    purpose = request.headers.get("Sec-Purpose", "") + request.headers.get("Purpose", "")
    if "prefetch" in purpose.lower():
        return False
    return PREVIEWERS.search(request.headers.get("User-Agent", "")) is None


EXPIRED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Link expired</title></head>
<body><h1>This payment link has expired</h1>
<p>Payment links are valid for a limited time. Please use the link in your most
recent message, or contact your creditor for a new one.</p></body></html>
"""


async def get_pay(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    parsed = request.app[PAY_LINKS].verify(token)
    if parsed is None:
        raise problem(web.HTTPNotFound, "not_found", "no such payment link", "token")
    now = request.app[SETTINGS].clock().now()
    if parsed.expired(now):
        return web.Response(
            status=410, text=EXPIRED_PAGE, content_type="text/html", charset="utf-8"
        )
    with stores_answer("contact directory"):
        record = await request.app[PAY_DIRECTORY].pay_record(
            parsed.tenant_id, parsed.contact_id, parsed.debtor_id
        )
    if record is None:
        # Signed by us but never dispatched (a preview) or its record is gone.
        raise problem(web.HTTPNotFound, "not_found", "no such payment link", "token")
    page = request.app.get(PAY_PAGE)
    if not is_click(request):
        if page is not None:
            return await page.page(request, parsed, record)
        raise web.HTTPFound(record.target, headers={"Cache-Control": "no-store"})
    event = DeliveryEvent(
        event_id=f"click-{parsed.contact_id}"[:128],
        tenant_id=parsed.tenant_id,
        occurred_at=now,
        debtor_id=record.debtor_id,
        contact_id=parsed.contact_id,
        account_id=record.account_id,
        provider="paylink",
        channel=record.channel,
        status=DeliveryStatus.CLICKED,
    )
    topics = request.app[TOPICS]
    with stores_answer("broker"):
        await request.app[PUBLISHER].publish(topics.deliveries, record.debtor_id, encode(event))
    if page is not None:
        return await page.page(request, parsed, record)
    raise web.HTTPFound(record.target, headers={"Cache-Control": "no-store"})


def add_pay_routes(app: web.Application, links: PayLinks, directory: ContactDirectory) -> None:
    app[PAY_LINKS] = links
    app[PAY_DIRECTORY] = directory
    app.router.add_get("/pay/{token}", get_pay)
