"""Validation errors as text for a dead letter or a log line: one home for the wording.

The decision stage, the dispatch stage and the web's small JSON bodies all report a
record that fails its contract the same way, naming each field.
"""

from __future__ import annotations

from pydantic import ValidationError


def describe(exc: ValidationError) -> str:
    """One line per problem, naming the field: what a lender's engineer needs to fix it."""
    parts = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
