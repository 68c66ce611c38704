"""One shape for every error the web answers, and the middleware that enforces it.

Every 4xx and 5xx is JSON: ``{"error": {"code", "message", "parameter"?, "docs"}}``.
``code`` is one of ``CODES`` (stable, for programs), ``message`` is for people,
``parameter`` names what to fix (a header, a query parameter, a path parameter,
or a JSON Pointer into the body such as ``/3/amount_due``; ``""``, the pointer to
the whole body, when the body as a whole is at fault: not JSON, not an object,
empty, too large), and ``docs`` links
to the code's entry on ``/docs``. ``POST /v1/events`` adds ``errors``: one
entry per problem, with the event's 0-based ``index`` and its ``pointer``.

The middleware turns what handlers do not shape themselves (aiohttp's unknown
route, 405, 413; the webhooks' ``{"error": "..."}``; an unexpected exception)
into this shape, so no client ever parses plain text or sees a traceback.
aiohttp refuses an ``Expect`` header before any middleware runs: each route's
expect handler, set by ``expect_in_json``, gives that 417 the shape too, as it
does for a path or method no route takes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

import orjson
from aiohttp import HttpVersion11, hdrs, web
from aiohttp.http_exceptions import (
    ContentEncodingError,
    DecompressSizeError,
    TransferEncodingError,
)
from aiohttp.typedefs import Handler
from aiohttp.web_urldispatcher import MatchInfoError, UrlMappingMatchInfo
from pydantic import ValidationError

from recaudo.contracts.validation_errors import describe
from recaudo.foundation.errors import ModelStateError

log = logging.getLogger(__name__)
#: What aiohttp awaits, before any middleware, for a request with an ``Expect`` header.
ExpectHandler = Callable[[web.Request], Coroutine[Any, Any, web.StreamResponse | None]]
DOCS_PATH = "/docs"
#: The JSON Pointer to the whole body (RFC 6901), for what is wrong with all of it.
BODY = ""

#: Every machine code, with its status and what it means (rendered on /docs).
CODES: dict[str, tuple[int, str]] = {
    "bad_request": (400, "The request is malformed; `parameter` names what."),
    "invalid_json": (400, "The body, or one NDJSON line, is not JSON."),
    "invalid_parameter": (400, "A query or body parameter has a value not accepted."),
    "invalid_events": (400, "A batch was refused whole: `errors` lists every problem."),
    "invalid_field": (400, "An event field fails the schema (in `errors`)."),
    "wrong_tenant": (400, "An event's tenant_id is not the API key's tenant (in `errors`)."),
    "clock_skew": (400, "An event's occurred_at is too far in the future or past (in `errors`)."),
    "payment_mismatch": (
        400,
        "A payment does not fit its account: currency, closed account, over the "
        "balance (in `errors`).",
    ),
    "invalid_signature": (
        400,
        "A payment provider's webhook signature is missing, wrong or too old; `parameter` "
        "names the header.",
    ),
    "unauthorized": (401, "No API key, an unknown one, or a webhook signature that fails."),
    "forbidden": (403, "A webhook handshake whose token does not match."),
    "not_found": (404, "No such route (or no such provider, or an unknown payment link)."),
    "debtor_not_found": (404, "No debtor with this id for the key's tenant."),
    "task_not_found": (404, "No task with this id for the key's tenant."),
    "method_not_allowed": (405, "The route exists, not with this method; `Allow` lists them."),
    "body_timeout": (408, "The body did not arrive within RECAUDO_HTTP_BODY_TIMEOUT_S."),
    "event_id_conflict": (409, "An event_id already names an event with other content."),
    "task_closed": (409, "The task is already closed."),
    "task_claimed": (409, "Another person claimed the task first."),
    "conflict": (409, "The request conflicts with the current state."),
    "gone": (410, "The resource existed and has expired."),
    "payload_too_large": (413, "The body is over the route's size limit."),
    "expectation_failed": (
        417,
        "An `Expect` header other than `100-continue`; `parameter` names the header.",
    ),
    "unavailable": (503, "A dependency (broker, Redis) does not answer; retry later."),
    "broker_restarted": (503, "The broker restarted empty; intake resumes once restored."),
    "broker_unavailable": (
        503,
        "The broker did not confirm the events are stored; resend them (same event ids).",
    ),
    "internal_error": (500, "A bug on our side; the server logged it. Never expected."),
}
#: The code an error gets when its handler named none.
BY_STATUS = {status: code for code, (status, _) in reversed(CODES.items())}
BY_STATUS |= {400: "bad_request", 404: "not_found", 409: "conflict", 503: "unavailable"}


def error_body(
    code: str,
    message: str,
    parameter: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The JSON body of an error; ``code`` must be in ``CODES``."""
    assert code in CODES, code  # a new code is documented here first
    error: dict[str, Any] = {"code": code, "message": message}
    if parameter is not None:
        error["parameter"] = parameter
    error["docs"] = f"{DOCS_PATH}#{code}"
    body: dict[str, Any] = {"error": error}
    if errors is not None:
        body["errors"] = errors
    return body


def problem(
    status: type[web.HTTPException],
    code: str,
    message: str,
    parameter: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    **init: Any,
) -> web.HTTPException:
    """An exception to raise, its body already in the one shape.

    ``init`` goes to the class's constructor, for the few that require more
    (``HTTPRequestEntityTooLarge`` needs ``max_size``).
    """
    body = orjson.dumps(error_body(code, message, parameter, errors=errors)).decode()
    return status(text=body, content_type="application/json", headers=headers, **init)


def invalid_body(exc: ValidationError) -> web.HTTPException:
    """A 400 for a JSON body its model refused: the first error, named by its JSON
    Pointer (``BODY`` when the body is not JSON or not an object)."""
    first = exc.errors(include_url=False)[0]
    pointer = "".join(f"/{part}" for part in first["loc"])
    code = "invalid_json" if first["type"] == "json_invalid" else "invalid_parameter"
    return problem(web.HTTPBadRequest, code, describe(exc), pointer)


def undecodable_body(exc: web.RequestPayloadError) -> web.HTTPException:
    """The 400 for a body that does not decode as its headers say: aiohttp decodes it
    as it arrives (a broken gzip or deflate stream, a bad chunk) and raises this on
    read. The rest of the stream cannot be read past: the connection ends with it."""
    cause = exc.__cause__
    if isinstance(cause, (ContentEncodingError, DecompressSizeError)):
        header = "Content-Encoding"
    elif isinstance(cause, TransferEncodingError):
        header = "Transfer-Encoding"
    else:
        header = "Content-Length"
    why = f"the body does not decode as its {header} says"
    close = {"Connection": "close"}
    return problem(web.HTTPBadRequest, "bad_request", why, header, headers=close)


def problem_response(
    status: int, code: str, message: str, parameter: str | None = None, **extra: Any
) -> web.Response:
    """The same, as a response to return."""
    body = error_body(code, message, parameter, errors=extra.pop("errors", None))
    return web.json_response(body, status=status, **extra)


def _kept(body: bytes | None) -> bool:
    """Whether a body stays as is: JSON that is not a bare ``{"error": "..."}``
    (already shaped, or a documented body such as /readyz's 503)."""
    try:
        parsed = orjson.loads(body or b"")
    except orjson.JSONDecodeError:
        return False
    return not (isinstance(parsed, dict) and isinstance(parsed.get("error"), str))


def _message(request: web.Request, status: int, body: bytes | None, reason: str) -> str:
    try:
        parsed = orjson.loads(body or b"")
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), str):
        return str(parsed["error"])  # a handler's own {"error": "..."} (webhooks)
    if status == 404 and request.match_info.route.resource is None:
        return f"no route {request.path}; the routes are on {DOCS_PATH}"
    if status == 405:
        return f"{request.method} is not allowed on {request.path}"
    text = (body or b"").decode("utf-8", "replace").strip()
    return text if text and not text.startswith(("{", "<")) else reason


def _reshape(
    request: web.Request, status: int, body: bytes | None, reason: str, headers: Mapping[str, str]
) -> web.Response:
    code = BY_STATUS.get(status, "bad_request" if status < 500 else "unavailable")
    kept = {
        k: v
        for k, v in headers.items()
        if k.lower() not in {"content-type", "content-length", "content-encoding"}
    }
    message = _message(request, status, body, reason)
    parameter = BODY if status == 413 else None
    return problem_response(status, code, message, parameter, headers=kept)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every 4xx/5xx leaves in the one shape, whoever answered it."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or _kept(exc.text.encode() if exc.text else None):
            raise
        return _reshape(request, exc.status, (exc.text or "").encode(), exc.reason, exc.headers)
    except web.RequestPayloadError as exc:
        # Whichever route read the body (a webhook's verifier, a voice form).
        raise undecodable_body(exc) from None
    except ModelStateError as exc:
        # A debtor's stored state this process cannot read: written by a newer
        # release during an upgrade (contracts.state_codec), or cut short.
        log.error("unreadable state on %s %s: %s", request.method, request.path, exc)
        return problem_response(
            503, "unavailable", f"a debtor's stored state could not be read here: {exc}"
        )
    except Exception:
        # A bug: logged with its traceback here, answered without one.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(500, "internal_error", "internal error; the server logged it")
    if response.status < 400 or not isinstance(response, web.Response):
        return response
    if response.content_type == "text/html":
        return response  # a page for a person (the payment link's "expired")
    raw = response.body if isinstance(response.body, bytes) else None
    if _kept(raw):
        return response
    headers = {k: v for k, v in response.headers.items() if k != hdrs.CONTENT_LENGTH}
    return _reshape(request, response.status, raw, response.reason, headers)


def expect_in_json(app: web.Application) -> None:
    """Every route of ``app`` refuses an ``Expect`` other than ``100-continue`` with a
    417 in the one shape; ``100-continue`` is still aiohttp's (the body is read).
    So does a request no route takes (a 404 or a 405), whose route aiohttp makes
    per request."""

    async def install(app: web.Application) -> None:
        # aiohttp has a documented ``expect_handler=`` per added route, none per app,
        # and the routes are added in a dozen modules: so set each route's handler
        # (a private attribute) here, at startup, when every route is in.
        for route in app.router.routes():
            route._expect_handler = _refusing_in_json(route._expect_handler)
        resolve = app.router.resolve

        async def resolve_refusing_in_json(request: web.Request) -> UrlMappingMatchInfo:
            match = await resolve(request)
            if isinstance(match, MatchInfoError):
                # Its system route's handler is aiohttp's, whose plain-text 417 is
                # a 500 when the header's bytes are not Latin-1.
                route = match.route
                route._expect_handler = _refusing_in_json(route._expect_handler)
            return match

        # The router has no hook for the routes it makes; an instance attribute
        # shadows the method, for this application's router only.
        app.router.resolve = resolve_refusing_in_json  # type: ignore[method-assign]

    app.on_startup.append(install)


def _refusing_in_json(inner: ExpectHandler) -> ExpectHandler:
    async def expect(request: web.Request) -> web.StreamResponse | None:
        value = request.headers.get(hdrs.EXPECT, "")
        # As aiohttp's own, an HTTP/1.0 request's is let through: Expect is HTTP/1.1's.
        if request.version == HttpVersion11 and value.lower() != "100-continue":
            # Odd bytes arrive as surrogates, which JSON cannot carry: escaped.
            shown = value[:64].encode("utf-8", "backslashreplace").decode()
            message = f"Expect: {shown} is not supported; send Expect: 100-continue or none"
            raise problem(web.HTTPExpectationFailed, "expectation_failed", message, "Expect")
        return await inner(request)

    return expect
