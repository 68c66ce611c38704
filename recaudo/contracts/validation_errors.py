"""Validation errors as text for a dead letter, a log line or a refusal: one home for
the wording.

The decision and dispatch stages, the web's small JSON bodies, the provider
credentials, the import mappings and the off-policy logs all report a record that
fails its contract the same way: each problem as ``field.path: what``.
"""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import ErrorDetails


def problem(err: ErrorDetails, root: str = "(root)") -> str:
    """One problem, naming its field (``root`` when it is the whole record; with an
    empty ``root``, the message alone)."""
    where = ".".join(str(p) for p in err["loc"]) or root
    return f"{where}: {err['msg']}" if where else err["msg"]


def problems(exc: ValidationError) -> list[ErrorDetails]:
    """Its problems without the inputs: a value may be a secret (credentials)."""
    return exc.errors(include_url=False, include_input=False, include_context=False)


def describe(exc: ValidationError, root: str = "(root)") -> str:
    """One line per problem, naming the field: what a lender's engineer needs to fix it."""
    return "; ".join(problem(err, root) for err in problems(exc))


def first(exc: ValidationError, root: str = "") -> str:
    """The first problem only, where one is enough to point at the fix."""
    return problem(problems(exc)[0], root)
