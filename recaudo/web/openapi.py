"""The OpenAPI 3.1 contract of the HTTP API, generated from the pydantic models.

Request and response bodies are the very models the handlers validate and
serialise with (``InputEvent``, ``Decision``, ``DebtorView``), so the contract
cannot drift from the code; pydantic's JSON Schema is draft 2020-12, the
dialect OpenAPI 3.1 uses. Served at ``GET /v1/openapi.json`` and rendered
for people at ``GET /docs``. Every status a route can answer is listed (the
contract test ``tests/integration/web/test_error_contract.py`` fails on one
that is not); every 4xx/5xx body is ``Error`` (``recaudo.web.problems``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
from aiohttp import web
from pydantic import BaseModel, Field, TypeAdapter

from recaudo import __version__
from recaudo.contracts.events import InputEvent
from recaudo.contracts.outputs import Decision
from recaudo.examples import EXAMPLES
from recaudo.streams.reports.after_effective import AfterEffectiveReport
from recaudo.streams.reports.credit_bureau import CreditBureauReport
from recaudo.streams.reports.model import OutcomeReport
from recaudo.streams.tasks import Task
from recaudo.web import openapi_imports, openapi_ops, openapi_payments, openapi_webhooks
from recaudo.web.debtor import DebtorView
from recaudo.web.openapi_parts import (
    AUTH_ERRORS,
    BROKER_GONE,
    OUTSIDE_V1,
    REF,
    SLOW_BODY,
    TOO_LARGE,
)
from recaudo.web.openapi_parts import (
    json_response as _json,
)
from recaudo.web.problems import CODES, DOCS_PATH
from recaudo.web.tasks_api import CloseTask, TaskList


class ErrorDetail(BaseModel):
    code: str = Field(
        description="A machine code, stable across versions (the table on /docs)",
        json_schema_extra={"enum": list(CODES)},
    )
    message: str = Field(description="For people; its wording may change")
    parameter: str | None = Field(
        default=None,
        description="What to fix: a header (Authorization), a query or path parameter "
        "(limit, debtor_id), or a JSON Pointer into the body (/3/amount_due, the event "
        'at 0-based index 3; "", the whole body, when all of it is at fault: not JSON, '
        "not an object, empty, too large)",
    )
    docs: str = Field(description="Link to the code's entry on the docs page")


class Error(BaseModel):
    error: ErrorDetail


class EventError(BaseModel):
    index: int = Field(
        description="0-based position of the event: its index in the JSON array, 0 for "
        "a single object, its 0-based line in NDJSON"
    )
    pointer: str = Field(
        description="JSON Pointer (RFC 6901) to the field, into the batch seen as an "
        "array of events: /3/amount_due/currency"
    )
    parameter: str | None = Field(
        default=None, description="The field, dotted (amount_due.currency)"
    )
    code: str = Field(json_schema_extra={"enum": list(CODES)})
    message: str


class EventsRejected(BaseModel):
    error: ErrorDetail
    errors: list[EventError] = Field(
        default=[], description="One per problem; absent when the body itself is unreadable"
    )


class EventsAccepted(BaseModel):
    accepted: int = Field(description="Events acknowledged by the broker")


class Timeline(BaseModel):
    tenant_id: str
    debtor_id: str
    decisions: list[Decision] = Field(
        description="The recent view: the last 50 decisions, newest first, with their "
        "reasons (passed rules by id, without parameters or citation); the strategy's "
        "evaluation log (model versions, scores, options, propensity, features), template "
        "details and older decisions are on the decisions topic"
    )


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    ready: bool
    checks: dict[str, bool]
    dry_run: bool = Field(description="No provider credentials: contacts are recorded, not sent")


def _debtor_param() -> dict[str, Any]:
    return {"name": "debtor_id", "in": "path", "required": True, "schema": {"type": "string"}}


DESCRIPTION = (
    "Every 4xx and 5xx answer is JSON, the `Error` schema: "
    '`{"error": {"code", "message", "parameter"?, "docs"}}`. `code` is one of the codes '
    "in `x-error-codes` (and on /docs), `parameter` names a header, a query or path "
    "parameter, or a JSON Pointer into the body; `POST /v1/events` lists each problem "
    "in `errors` with the event's 0-based `index` and its `pointer`. A path that is no "
    "route answers 404 `not_found`, a route asked with another method 405 "
    "`method_not_allowed` (with `Allow`), both in this shape."
)
STRICT = (
    "Strict: integers and booleans are JSON numbers and true/false, never strings; "
    "instants are RFC 3339 strings with an offset, never epoch numbers; dates are "
    "YYYY-MM-DD. days_past_due is at most 36,500; an account's due_date lies from "
    "36,500 days before to 3,653 days after its occurred_at date; balance is zero or "
    "more and amount_due at most the balance. The same checks apply to events produced "
    "straight to the input topics, which are dead-lettered with the reason."
)


@cache
def build_spec() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    adapters: dict[str, TypeAdapter[Any]] = {
        "InputEvent": TypeAdapter(InputEvent),
        **{
            m.__name__: TypeAdapter(m)
            for m in (
                Error,
                ErrorDetail,
                EventError,
                EventsRejected,
                EventsAccepted,
                Timeline,
                Health,
                Ready,
                DebtorView,
                Task,
                TaskList,
                CloseTask,
            )
        },
        **{m.__name__: TypeAdapter(m) for m in openapi_ops.MODELS},
        **{m.__name__: TypeAdapter(m) for m in openapi_webhooks.MODELS},
        **{m.__name__: TypeAdapter(m) for m in openapi_imports.MODELS},
        **{m.__name__: TypeAdapter(m) for m in openapi_payments.MODELS},
        "OutcomeReport": TypeAdapter(OutcomeReport),
        "AfterEffectiveReport": TypeAdapter(AfterEffectiveReport),
        "CreditBureauReport": TypeAdapter(CreditBureauReport),
    }
    for name, adapter in adapters.items():
        schema = adapter.json_schema(ref_template=REF, mode="serialization")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
    event: dict[str, Any] = {"$ref": REF.format(model="InputEvent")}
    events_body = {"oneOf": [event, {"type": "array", "items": event}]}
    paths: dict[str, Any] = {
        "/v1/events": {
            "post": {
                "summary": "Send events (JSON, a JSON array, or NDJSON); all or nothing",
                "description": STRICT,
                "operationId": "postEvents",
                "security": [{"bearer": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": events_body,
                            "examples": {
                                kind: {"summary": f"One {kind} event", "value": example}
                                for kind, example in EXAMPLES.items()
                            },
                        },
                        "application/x-ndjson": {"schema": {"type": "string"}},
                    },
                },
                "responses": {
                    "202": _json("EventsAccepted", "Every event is on the broker"),
                    "400": _json("EventsRejected", "Nothing accepted; every problem listed"),
                    **AUTH_ERRORS,
                    **SLOW_BODY,
                    "409": _json(
                        "EventsRejected", "Nothing accepted: an event_id re-used for other content"
                    ),
                    **TOO_LARGE,
                    **BROKER_GONE,
                },
            }
        },
        "/v1/debtors/{debtor_id}/timeline": {
            "get": {
                "summary": "A debtor's recent decisions, newest first, with their reasons",
                "description": "The recent view: the last 50 decisions, each with when, what, "
                "channel, trigger, policy version and rules (the deciding ones with their "
                "parameters and citation, the passed ones by id). Model versions, scores, "
                "options and features are not kept here: the decisions topic is the full audit "
                "log (`recaudo evaluate` and any consumer read it).",
                "operationId": "getTimeline",
                "security": [{"bearer": []}],
                "parameters": [
                    _debtor_param(),
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                    },
                ],
                "responses": {
                    "200": _json("Timeline", "The recent decisions (at most 50)"),
                    "400": _json("Error", "A malformed parameter"),
                    **AUTH_ERRORS,
                    "503": _json("Error", "Redis or the broker does not answer; retry"),
                },
            }
        },
        "/v1/debtors/{debtor_id}": {
            "get": {
                "summary": "Balance, contacts and their delivery, history of one debtor",
                "operationId": "getDebtor",
                "security": [{"bearer": []}],
                "parameters": [_debtor_param()],
                "responses": {
                    "200": _json("DebtorView", "The debtor"),
                    "400": _json("Error", "An unknown query parameter"),
                    **AUTH_ERRORS,
                    "404": _json("Error", "No event ever named this debtor for this tenant"),
                    "503": _json("Error", "Redis does not answer; retry"),
                },
            }
        },
        "/v1/reports/outcomes": {
            "get": {
                "summary": "Outcomes of the tenant's debtors against the no-contact holdout",
                "operationId": "getOutcomes",
                "security": [{"bearer": []}],
                "parameters": [
                    {
                        "name": "by",
                        "in": "query",
                        "required": False,
                        "style": "form",
                        "explode": True,
                        "schema": {
                            "type": "array",
                            "items": {
                                "type": "string",
                                "enum": ["arm", "strategy", "segment", "bucket", "channel"],
                            },
                        },
                    }
                ],
                "responses": {
                    "200": _json("OutcomeReport", "Each group with its 95 % intervals"),
                    "400": _json("Error", "An unknown grouping or parameter"),
                    **AUTH_ERRORS,
                    "503": _json("Error", "Redis does not answer; retry"),
                },
            }
        },
        "/v1/reports/after-effective-date": {
            "get": {
                "summary": "Contacts made after a legal flag's effective date (bankruptcy, "
                "death, cease, dispute, legal hold), for remediation",
                "operationId": "getAfterEffectiveDate",
                "security": [{"bearer": []}],
                "responses": {
                    "200": _json("AfterEffectiveReport", "Each late flag with its contacts"),
                    "400": _json("Error", "A query parameter (this report takes none)"),
                    **AUTH_ERRORS,
                    "503": _json("Error", "Redis does not answer; retry"),
                },
            }
        },
        "/v1/reports/credit-bureau": {
            "get": {
                "summary": "Colombia: the earliest day each account in arrears may be reported "
                "to a credit bureau (Ley 1266 de 2008, art. 12)",
                "description": "Every account in arrears of the tenant's Colombian debtors: the "
                "notices delivered and needed (two on different days for a debt of at most 15% "
                "of the minimum wage), the earliest reporting date (null while a notice is "
                "missing) and the status on the debtor's local date by the service's clock: "
                "notice_needed, waiting or may_report; with the rule id and citation used.",
                "operationId": "getCreditBureau",
                "security": [{"bearer": []}],
                "responses": {
                    "200": _json("CreditBureauReport", "Each account with its reporting date"),
                    "400": _json("Error", "A query parameter (this report takes none)"),
                    **AUTH_ERRORS,
                    "503": _json("Error", "Redis does not answer; retry"),
                },
            }
        },
        "/v1/tasks": {
            "get": {
                "summary": "Cases for people (disputes, hardship, a person asked for, legal "
                "escalation), oldest due first",
                "operationId": "listTasks",
                "security": [{"bearer": []}],
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": ["open", "closed", "all"]},
                    },
                    {
                        "name": "debtor_id",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": _json("TaskList", "The tenant's tasks"),
                    "400": _json("Error", "An unknown status"),
                    **AUTH_ERRORS,
                    "503": _json("Error", "Redis does not answer; retry"),
                },
            }
        },
        "/v1/tasks/{task_id}/close": {
            "post": {
                "summary": "Close a task; the debtor's automation resumes",
                "operationId": "closeTask",
                "security": [{"bearer": []}],
                "parameters": [
                    {
                        "name": "task_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": REF.format(model="CloseTask")}}
                    },
                },
                "responses": {
                    "200": _json("Task", "The closed task, announced on the broker"),
                    "400": _json("Error", "A malformed body; the field is named"),
                    "404": _json("Error", "No such task for this tenant"),
                    "409": _json("Error", "The task is already closed"),
                    **SLOW_BODY,
                    **TOO_LARGE,
                    "503": _json(
                        "Error", "The broker did not ack (or restarted empty); nothing closed"
                    ),
                    **AUTH_ERRORS,
                },
            }
        },
        **openapi_ops.PATHS,
        **openapi_webhooks.PATHS,
        **openapi_imports.PATHS,
        **openapi_payments.PATHS,
        **OUTSIDE_V1,
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Recaudo HTTP API", "version": __version__, "description": DESCRIPTION},
        "paths": paths,
        "x-error-codes": {
            code: {"status": status, "description": meaning, "docs": f"{DOCS_PATH}#{code}"}
            for code, (status, meaning) in CODES.items()
        },
        "components": {
            "responses": {
                "NotFound": _json("Error", "No such route: code not_found"),
                "MethodNotAllowed": _json("Error", "Not with this method: method_not_allowed"),
            },
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


async def get_openapi(_request: web.Request) -> web.Response:
    return web.Response(body=orjson.dumps(build_spec()), content_type="application/json")
