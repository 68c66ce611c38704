"""The operations page's operations in the OpenAPI document (issue 23).

Kept beside ``openapi`` so that module stays a readable size; the models are
the handlers' own, as everywhere in the contract.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from recaudo.streams.ops import Headline
from recaudo.web.call_list import CallList
from recaudo.web.conversation import Conversation
from recaudo.web.openapi_parts import AUTH_ERRORS, BROKER_GONE, REF, SLOW_BODY, TOO_LARGE
from recaudo.web.openapi_parts import json_response as _json
from recaudo.web.search import DebtorSearch
from recaudo.web.tasks_api import ClaimTask, NoteTask
from recaudo.web.work_queue import WorkQueue

MODELS: tuple[type[BaseModel], ...] = (
    Headline,
    CallList,
    WorkQueue,
    Conversation,
    DebtorSearch,
    ClaimTask,
    NoteTask,
)
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
BAD_QUERY = {"400": _json("Error", "An unknown or malformed query parameter")}
STORE_DOWN = {"503": _json("Error", "Redis or the broker does not answer; retry")}
TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "string"}}
DEBTOR_ID = {"name": "debtor_id", "in": "path", "required": True, "schema": {"type": "string"}}


def _body(model: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=model)}}},
    }


def _task_post(summary: str, op: str, body: str, ok: str, answer: dict[str, Any]) -> Any:
    return {
        "post": {
            "summary": summary,
            "operationId": op,
            "security": SECURITY,
            "parameters": [TASK_ID],
            "requestBody": _body(body),
            "responses": {
                ok: answer,
                "400": _json("Error", "A malformed body; the field is named"),
                "404": _json("Error", "No such task for this tenant"),
                **AUTH_ERRORS,
                **SLOW_BODY,
                **TOO_LARGE,
                **BROKER_GONE,
            },
        }
    }


PATHS: dict[str, Any] = {
    "/v1/ops/overview": {
        "get": {
            "summary": "The tenant's headline: the strategy against the holdout, in words",
            "description": "Ahead, behind, or too early (with the days more needed at this "
            "volume, an estimate); the weekly series of incremental recovery per debtor with "
            "its 95 % interval, and promise-kept and roll rates by arm. `as_of` is the newest "
            "event time in the tenant's data.",
            "operationId": "getOverview",
            "security": SECURITY,
            "responses": {
                "200": _json("Headline", "The headline"),
                **BAD_QUERY,
                **AUTH_ERRORS,
                **STORE_DOWN,
            },
        }
    },
    "/v1/ops/calls": {
        "get": {
            "summary": "Today's call list, best expected value first, up to capacity",
            "operationId": "getCalls",
            "security": SECURITY,
            "parameters": [
                {
                    "name": "capacity",
                    "in": "query",
                    "required": False,
                    "description": "Calls the team makes today (default 20)",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                }
            ],
            "responses": {
                "200": _json("CallList", "The calls"),
                **BAD_QUERY,
                **AUTH_ERRORS,
                **STORE_DOWN,
            },
        }
    },
    "/v1/ops/queue": {
        "get": {
            "summary": "Open tasks for people, overdue first, each with its debtor's call card",
            "operationId": "getQueue",
            "security": SECURITY,
            "responses": {
                "200": _json("WorkQueue", "The open tasks"),
                **BAD_QUERY,
                **AUTH_ERRORS,
                **STORE_DOWN,
            },
        }
    },
    "/v1/debtors": {
        "get": {
            "summary": "Find debtors by name, phone, e-mail or account reference",
            "operationId": "searchDebtors",
            "security": SECURITY,
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "minLength": 2, "maxLength": 100},
                }
            ],
            "responses": {
                "200": _json("DebtorSearch", "At most 20 debtors, best match first"),
                **BAD_QUERY,
                **AUTH_ERRORS,
                **STORE_DOWN,
            },
        }
    },
    "/v1/debtors/{debtor_id}/conversation": {
        "get": {
            "summary": "A debtor as a conversation: messages as sent, replies, money, notes",
            "operationId": "getConversation",
            "security": SECURITY,
            "parameters": [DEBTOR_ID],
            "responses": {
                "200": _json("Conversation", "Oldest first"),
                "400": _json("Error", "An unknown query parameter"),
                **AUTH_ERRORS,
                "404": _json("Error", "No event ever named this debtor for this tenant"),
                **STORE_DOWN,
            },
        }
    },
    "/v1/tasks/{task_id}/claim": _task_post(
        "Claim a task: one person works it",
        "claimTask",
        "ClaimTask",
        "200",
        _json("Task", "The task, claimed by the caller"),
    ),
    "/v1/tasks/{task_id}/notes": _task_post(
        "Add a note to a task",
        "noteTask",
        "NoteTask",
        "201",
        _json("Task", "The task with its notes"),
    ),
}
PATHS["/v1/tasks/{task_id}/claim"]["post"]["responses"]["409"] = _json(
    "Error", "The task is closed, or another person claimed it first"
)
