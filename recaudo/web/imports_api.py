"""``POST /v1/imports``: a lender's CSV or NDJSON file and its column mapping, multipart.

Parts ``mapping`` (TOML or JSON, ``recaudo.imports.mapping``) and ``file``. The
file is streamed to a temporary file as it arrives (never held in memory, at
most ``MAX_IMPORT_BYTES``; each read waits at most ``http_body_timeout_s``),
then imported as ``recaudo import`` does: validated whole, then sent with the
same id checks and hand-off as ``POST /v1/events``, behind the same broker
guard (the 202 means the broker holds what was sent), each chunk confirmed
before the file's checkpoint moves past it. The mapping's tenant
must be the API key's. ``?skip_invalid=true`` sends the valid rows of a file
with bad ones. Re-posting a file sends nothing twice; one cut short resumes.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import IO, Any

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from recaudo.foundation.errors import EventIdConflict, MappingError
from recaudo.foundation.keys import Keys
from recaudo.imports import Checkpoints, Converter, Intake, Report, parse_mapping, run_import
from recaudo.imports.convert import skew_check
from recaudo.imports.runner import BrokerNotConfirmed
from recaudo.web.auth import tenant_of
from recaudo.web.body import body_media_type
from recaudo.web.keys import BROKER_WATCH, PUBLISHER, REDIS, SETTINGS, TENANT_SLOTS
from recaudo.web.problems import BODY, problem

MAX_IMPORT_BYTES = 512 * 1024 * 1024
MAX_MAPPING_BYTES = 64 * 1024
#: Problems listed in an answer; the counts cover them all.
LISTED = 100


async def post_import(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    tenant = tenant_of(request, settings)
    skip = request.query.get("skip_invalid", "false").lower()
    if skip not in ("true", "false"):
        raise problem(web.HTTPBadRequest, "invalid_parameter", "true or false", "skip_invalid")
    if not body_media_type(request).startswith("multipart/"):
        raise problem(
            web.HTTPBadRequest,
            "bad_request",
            "send multipart/form-data with the parts mapping and file",
            "Content-Type",
        )
    with tempfile.TemporaryDirectory(prefix="recaudo-import-", dir=settings.data_dir) as tmp:
        path = Path(tmp) / "file"
        raw_mapping = await _receive(request, path, settings.http_body_timeout_s)
        try:
            mapping = parse_mapping(raw_mapping, "mapping")
        except MappingError as exc:
            raise problem(web.HTTPBadRequest, "invalid_parameter", str(exc), "mapping") from None
        if mapping.tenant_id != tenant:
            why = f"{mapping.tenant_id!r} is not this key's tenant"
            raise problem(web.HTTPBadRequest, "wrong_tenant", why, "mapping.fields.tenant_id")
        client = request.app[REDIS]
        converter = Converter(
            mapping,
            skew_check(
                settings.clock().now(), settings.event_future_skew_s, settings.event_max_age_s
            ),
        )
        report = Report(keep=LISTED)
        slots = request.app[TENANT_SLOTS]
        slot = slots.setdefault(tenant, asyncio.Semaphore(settings.http_tenant_concurrency))
        async with slot:
            try:
                summary = await run_import(
                    lambda: path.open("rb"),
                    mapping,
                    converter,
                    Intake.for_settings(settings, client, request.app[PUBLISHER]),
                    Checkpoints(client, Keys(settings.redis_prefix), settings.dedupe_ttl_s),
                    report,
                    skip_invalid=skip == "true",
                    chunk=settings.http_produce_chunk,
                    confirm=request.app[BROKER_WATCH].confirm,
                )
            except BrokerNotConfirmed as exc:
                raise problem(
                    web.HTTPServiceUnavailable,
                    "broker_unavailable",
                    str(exc),
                    headers={"Retry-After": "5"},
                ) from None
            except MappingError as exc:  # the header lacks a mapped column
                raise problem(web.HTTPBadRequest, "invalid_parameter", str(exc), "file") from None
            except EventIdConflict as exc:  # claimed by another sender since validation
                raise problem(web.HTTPConflict, "event_id_conflict", str(exc), "file") from None
    errors = [p.as_dict() for p in report.first]
    if summary.refused:
        raise problem(
            web.HTTPBadRequest,
            "invalid_events",
            f"file refused, nothing sent: {summary.invalid} invalid row(s) of {summary.rows} "
            f"({summary.problems} problem(s)); fix them or post with ?skip_invalid=true",
            "file",
            errors=errors,
        )
    return web.json_response({**summary.as_dict(), "errors": errors}, status=202)


async def _receive(request: web.Request, path: Path, timeout_s: float) -> bytes:
    """The mapping's bytes; the file's written to ``path``, a part at a time."""
    try:
        reader = await request.multipart()
        mapping: bytes | None = None
        got_file = False
        while (part := await _next(reader, timeout_s)) is not None:
            if not isinstance(part, BodyPartReader):
                raise ValueError("nested multipart")
            if part.name == "mapping":
                mapping = await _read(part, MAX_MAPPING_BYTES, timeout_s, None)
            elif part.name == "file":
                with path.open("wb") as out:
                    await _read(part, MAX_IMPORT_BYTES, timeout_s, out)
                got_file = True
    except (ValueError, LookupError, AssertionError, RuntimeError, HttpProcessingError) as exc:
        # aiohttp's multipart reader says "malformed" through these (a bad part header
        # is an HttpProcessingError, an unknown charset a LookupError).
        why = f"malformed multipart body: {exc}"
        raise problem(web.HTTPBadRequest, "bad_request", why, BODY) from None
    if mapping is None or not got_file:
        missing = "mapping" if mapping is None else "file"
        raise problem(web.HTTPBadRequest, "bad_request", f"the part {missing} is missing", missing)
    return mapping


async def _next(reader: Any, timeout_s: float) -> Any:
    try:
        async with asyncio.timeout(timeout_s):
            return await reader.next()
    except TimeoutError:
        raise _slow() from None


async def _read(part: BodyPartReader, limit: int, timeout_s: float, out: IO[bytes] | None) -> bytes:
    """A part in 64 KiB chunks: kept (the mapping) or written to ``out`` (the file)."""
    kept = bytearray()
    size = 0
    while True:
        try:
            async with asyncio.timeout(timeout_s):
                chunk = await part.read_chunk(1 << 16)
        except TimeoutError:
            raise _slow() from None
        if not chunk:
            return bytes(kept)
        size += len(chunk)
        if size > limit:
            raise problem(
                web.HTTPRequestEntityTooLarge,
                "payload_too_large",
                f"the part {part.name} is over {limit} bytes",
                part.name,
                max_size=limit,
                actual_size=size,
            )
        if out is None:
            kept += chunk
        else:
            out.write(chunk)


def _slow() -> web.HTTPException:
    return problem(web.HTTPRequestTimeout, "body_timeout", "request body not received in time")
