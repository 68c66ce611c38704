"""The per-line validation report and the import's summary.

The report is NDJSON, one problem a line (the file's line number, the column
to fix, the event field it fed, a code and a message), written as the file is
read so a file with a million bad lines still costs constant memory.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import IO, Any

import orjson


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    column: str | None
    field: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(slots=True)
class Summary:
    """How many rows went where. ``refused``: invalid rows and no ``skip_invalid``,
    so nothing was sent."""

    rows: int = 0
    sent: int = 0
    invalid: int = 0
    duplicates: int = 0
    #: Rows an earlier, interrupted or complete, import of the same file already sent.
    resumed: int = 0
    problems: int = 0
    refused: bool = False
    file: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Report:
    """Problems to an NDJSON stream (or nowhere), the first ``keep`` also kept in memory
    for an HTTP answer."""

    def __init__(self, out: IO[bytes] | None = None, keep: int = 100) -> None:
        self._out = out
        self._keep = keep
        self.first: list[Problem] = []

    def add(self, problem: Problem) -> None:
        if len(self.first) < self._keep:
            self.first.append(problem)
        if self._out is not None:
            self._out.write(orjson.dumps(problem.as_dict()) + b"\n")
