"""Reading a request body with a deadline, for every route that reads one.

A client that sends its headers and then trickles (or never sends) the body
would otherwise hold a connection and a handler for as long as it likes: past
``http_body_timeout_s`` it gets a 408, in JSON like every other API error. A
malformed ``Content-Type`` gets a 400 naming it, and so does a body that does not
decode as its ``Content-Encoding`` (or ``Transfer-Encoding``) says.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from recaudo.foundation.http_input import media_type
from recaudo.web.problems import problem, undecodable_body


async def read_body(request: web.Request, timeout_s: float) -> bytes:
    """The whole body (aiohttp caps it at ``client_max_size``), or a 408."""
    try:
        async with asyncio.timeout(timeout_s):
            return await request.read()
    except TimeoutError:
        raise problem(
            web.HTTPRequestTimeout, "body_timeout", "request body not received in time"
        ) from None
    except web.RequestPayloadError as exc:
        raise undecodable_body(exc) from None


def body_media_type(request: web.Request) -> str:
    """The body's media type, or a 400 naming ``Content-Type`` when it is malformed."""
    found = media_type(request)
    if found is None:
        raise problem(web.HTTPBadRequest, "bad_request", "malformed header", "Content-Type")
    return found
