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
from aiohttp.http_exceptions import (
    ContentEncodingError,
    DecompressSizeError,
    TransferEncodingError,
)

from recaudo.foundation.http_input import media_type
from recaudo.web.problems import problem


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
        # aiohttp decodes the body as it arrives and raises here what it could not
        # decode (a broken gzip or deflate stream, a bad chunk): the client's bytes.
        # The rest of the stream cannot be read past, so the connection ends here.
        header = _header(exc)
        why = f"the body does not decode as its {header} says"
        close = {"Connection": "close"}
        raise problem(web.HTTPBadRequest, "bad_request", why, header, headers=close) from None


def body_media_type(request: web.Request) -> str:
    """The body's media type, or a 400 naming ``Content-Type`` when it is malformed."""
    found = media_type(request)
    if found is None:
        raise problem(web.HTTPBadRequest, "bad_request", "malformed header", "Content-Type")
    return found


def _header(exc: web.RequestPayloadError) -> str:
    """The header whose promise the body broke (the parser's error is the cause)."""
    cause = exc.__cause__
    if isinstance(cause, (ContentEncodingError, DecompressSizeError)):
        return "Content-Encoding"
    if isinstance(cause, TransferEncodingError):
        return "Transfer-Encoding"
    return "Content-Length"
