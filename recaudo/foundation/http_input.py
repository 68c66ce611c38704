"""What a client sent, read where aiohttp's own parsers raise on malformed input.

aiohttp parses ``Content-Type`` with the stdlib's email header parser, which
raises ``IndexError`` or ``HeaderParseError`` (a ``ValueError``) on some values
(``;0*``); uncaught, that is a 500. The web API and the provider webhooks both
read the header through here, and answer their own 400.
"""

from __future__ import annotations

from aiohttp import web


def media_type(request: web.BaseRequest) -> str | None:
    """The request's media type (``application/json``), or None when the header is malformed."""
    try:
        return request.content_type
    except (IndexError, ValueError):
        return None
