"""Per-tenant API keys: a request's key names the only tenant it may act for.

One documented way to send it, ``Authorization: Bearer <key>``: a second
header would be one more place for keys to leak into logs and proxies.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from recaudo.foundation.config import Settings
from recaudo.web.problems import problem


def tenant_of(request: web.Request, settings: Settings) -> str:
    """The tenant whose key the request carries, or a 401 with a message."""
    header = request.headers.get("Authorization", "")
    # aiohttp hands non-UTF-8 header bytes over as lone surrogates, which no
    # encode() accepts: keys are printable ASCII, so anything else is refused here.
    if not (header.isascii() and header.isprintable()):
        raise _unauthorized("Authorization: the header must be printable ASCII")
    key = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not key:
        raise _unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    for known, tenant in settings.tenant_keys().items():
        if hmac.compare_digest(known.encode(), key.encode()):
            return tenant
    raise _unauthorized("Authorization: unknown API key")


def _unauthorized(message: str) -> web.HTTPException:
    return problem(
        web.HTTPUnauthorized,
        "unauthorized",
        message,
        "Authorization",
        headers={"WWW-Authenticate": "Bearer"},
    )
