"""Reading a request body with a deadline, for every route that reads one.

A client that sends its headers and then trickles (or never sends) the body
would otherwise hold a connection and a handler for as long as it likes: past
``http_body_timeout_s`` it gets a 408, in JSON like every other API error. A
malformed ``Content-Type`` gets a 400 naming it, and so does a body that does not
decode as its ``Content-Encoding`` (or ``Transfer-Encoding``) says. A body no
one read closes the connection after the answer (``close_if_unread``).
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler

from recaudo.foundation.http_input import media_type
from recaudo.web.problems import problem


async def read_body(request: web.Request, timeout_s: float) -> bytes:
    """The whole body (aiohttp caps it at ``client_max_size``), or a 408. A body that
    does not decode raises aiohttp's ``RequestPayloadError``, which the error
    middleware answers for every route (``web.problems.undecodable_body``)."""
    try:
        async with asyncio.timeout(timeout_s):
            return await request.read()
    except TimeoutError:
        raise problem(
            web.HTTPRequestTimeout, "body_timeout", "request body not received in time"
        ) from None


def body_media_type(request: web.Request) -> str:
    """The body's media type, or a 400 naming ``Content-Type`` when it is malformed."""
    found = media_type(request)
    if found is None:
        raise problem(web.HTTPBadRequest, "bad_request", "malformed header", "Content-Type")
    return found


@web.middleware
async def close_if_unread(request: web.Request, handler: Handler) -> web.StreamResponse:
    """An answer given without reading the request's body (a refusal before it, a body
    on a GET) says the connection closes.

    aiohttp reads what is left of such a body after the answer, to reuse the
    connection; a body that then fails to decode (a broken gzip stream) ends the
    connection the answer said the client could reuse, and the client's next
    request on it is lost.
    """
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _close_if_unread(request, exc)
        raise
    _close_if_unread(request, response)
    return response


def _close_if_unread(request: web.Request, response: web.StreamResponse) -> None:
    if request.body_exists and not request.content.is_eof():
        response.force_close()
