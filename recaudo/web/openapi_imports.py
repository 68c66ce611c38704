"""``POST /v1/imports`` in the OpenAPI document: its multipart body and answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from recaudo.web.openapi_parts import AUTH_ERRORS, BROKER_GONE, SLOW_BODY
from recaudo.web.openapi_parts import json_response as _json
from recaudo.web.problems import CODES


class ImportProblem(BaseModel):
    line: int = Field(description="1-based line of the file the row starts on")
    column: str | None = Field(default=None, description="The column to fix, when one is known")
    field: str | None = Field(default=None, description="The event field it fed, dotted")
    code: str = Field(
        description="invalid_cell, invalid_field, unreadable_line or event_id_conflict"
    )
    message: str


class ImportSummary(BaseModel):
    rows: int = Field(description="Data rows read")
    sent: int = Field(description="Events the broker acknowledged in this request")
    invalid: int = Field(description="Rows skipped as invalid (only with skip_invalid)")
    duplicates: int = Field(description="Rows whose event the service already processed")
    resumed: int = Field(description="Rows an earlier import of the same file already sent")
    problems: int = Field(description="Problems in all (the first 100 are listed)")
    refused: bool
    file: str = Field(description="The file's checkpoint name: content and mapping digests")
    errors: list[ImportProblem] = []


class ImportRejected(BaseModel):
    error: dict[str, Any] = Field(description="The Error shape (code invalid_events)")
    errors: list[ImportProblem] = Field(default=[], description="The first 100 problems")


MODELS: tuple[type[BaseModel], ...] = (ImportProblem, ImportSummary, ImportRejected)
assert "invalid_events" in CODES

PATHS: dict[str, Any] = {
    "/v1/imports": {
        "post": {
            "summary": "Import a CSV or NDJSON file through a column mapping; all or nothing",
            "description": "Multipart parts `mapping` (TOML or JSON; its fields.tenant_id must be "
            "the key's tenant) and `file` (at most 512 MiB). Every row is validated first; "
            "with any invalid row nothing is sent (400, each problem naming its line and "
            "column) unless `skip_invalid=true`. Event ids come from the row, so posting the "
            "same file again sends nothing twice and one cut short resumes. README: "
            "'File intake'.",
            "operationId": "postImport",
            "security": [{"bearer": []}],
            "parameters": [
                {
                    "name": "skip_invalid",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": ["true", "false"]},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["mapping", "file"],
                            "properties": {
                                "mapping": {"type": "string", "description": "TOML or JSON"},
                                "file": {"type": "string", "format": "binary"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "202": _json("ImportSummary", "How many rows went where; sent ones are acked"),
                "400": _json(
                    "ImportRejected",
                    "Nothing sent: invalid rows (listed), a bad mapping, another tenant's "
                    "mapping, or a malformed body",
                ),
                **AUTH_ERRORS,
                **SLOW_BODY,
                "409": _json("Error", "An event id was claimed for other content meanwhile"),
                "413": _json("Error", "A part is over its size limit (the file 512 MiB)"),
                **BROKER_GONE,
            },
        }
    }
}
