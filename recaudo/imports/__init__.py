"""File intake: a lender's CSV or NDJSON, mapped column by column onto the event contract.

For lenders without Kafka: ``recaudo import FILE --mapping MAP.toml`` and
``POST /v1/imports`` read the file twice, streaming (validate every row by
building the pydantic events of ``contracts.events``, then send), so a file of
any length is imported in memory that grows only with its distinct event ids
(24-48 bytes each, ``imports.file_ids``), all or nothing unless invalid rows
are skipped. Event ids are derived from the row, so a re-import or a resumed
one sends nothing the service already has.
"""

from recaudo.imports.checkpoint import Checkpoints
from recaudo.imports.convert import Converter
from recaudo.imports.intake import Intake
from recaudo.imports.mapping import Mapping, load_mapping, parse_mapping
from recaudo.imports.reader import Row, read_rows
from recaudo.imports.report import Problem, Report, Summary
from recaudo.imports.runner import run_import

__all__ = [
    "Checkpoints",
    "Converter",
    "Intake",
    "Mapping",
    "Problem",
    "Report",
    "Row",
    "Summary",
    "load_mapping",
    "parse_mapping",
    "read_rows",
    "run_import",
]
