"""Reading a decision log (and payment events) from NDJSON files.

One file may mix decisions and input events, as a topic dump or a backtest
writes them: a line with a ``type`` is an input event (only payments are kept),
a line with a ``decision_id`` and no ``type`` is a decision. Anything else is
counted, not guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from pydantic import ValidationError

from recaudo.contracts.events import PaymentEvent
from recaudo.contracts.outputs import Decision
from recaudo.contracts.validation_errors import first
from recaudo.foundation.errors import EvaluationError
from recaudo.models.offpolicy.logged import LoggedChoice, choice_of


@dataclass
class Log:
    """What the files held: the checked choices, the payments, and what was skipped."""

    choices: list[LoggedChoice] = field(default_factory=list)
    payments: list[PaymentEvent] = field(default_factory=list)
    decisions_without_options: int = 0
    other_lines: int = 0


def read_log(paths: Iterable[Path], log: Log | None = None) -> Log:
    """Read every line of ``paths``; a malformed line is an error naming file and line."""
    log = log if log is not None else Log()
    seen: set[str] = set()
    for path in paths:
        try:
            lines = path.read_bytes().splitlines()
        except OSError as exc:
            raise EvaluationError(f"{path}: cannot read: {exc.strerror}") from exc
        for number, line in enumerate(lines, start=1):
            if line.strip():
                _read_line(line, f"{path}:{number}", log, seen)
    return log


def _read_line(line: bytes, where: str, log: Log, seen: set[str]) -> None:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise EvaluationError(f"{where}: not JSON: {exc}") from exc
    if not isinstance(obj, dict):
        log.other_lines += 1
        return
    try:
        if obj.get("type") == "payment":
            log.payments.append(PaymentEvent.model_validate(obj))
        elif "type" not in obj and "decision_id" in obj:
            choice = choice_of(Decision.model_validate(obj))
            if choice is None:
                log.decisions_without_options += 1
            elif choice.decision_id not in seen:
                # The same decision read twice (overlapping dumps) counts once.
                seen.add(choice.decision_id)
                log.choices.append(choice)
        else:
            log.other_lines += 1
    except ValidationError as exc:
        why = first(exc, root="(record)")
        raise EvaluationError(f"{where}: invalid record: {why}") from exc
