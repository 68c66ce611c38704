"""An import: validate the whole file, then send it, resuming where an earlier run stopped.

Two streaming passes over the file, so memory does not grow with its rows,
only with its distinct event ids (``FileIds``). The first builds every row's
event and writes the report (an id the file gives two contents is a conflict);
with any invalid row the file is refused and nothing is sent, unless
``skip_invalid``. The second builds the events again (the conversion is
deterministic) and sends them in chunks: rows at or before the file's
checkpoint were sent by an earlier run (``resumed``), a row repeating an
earlier one of the file and ids the decide stage already processed are
``duplicates``, the rest are claimed and published, and the checkpoint moves
on once the broker acked the chunk and (``confirm``) still holds its
deployment marker: a broker that restarted empty may acknowledge a produce it
then loses, and a checkpoint past lost rows would make a re-run skip them. An
interruption therefore re-sends at most the chunk in flight, and the decide
stage de-duplicates those by event id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Protocol

from recaudo.contracts.events import Event
from recaudo.imports.convert import Converter
from recaudo.imports.file_ids import FileIds
from recaudo.imports.intake import Seen
from recaudo.imports.mapping import Mapping
from recaudo.imports.reader import HashingStream, Row, read_rows
from recaudo.imports.report import Problem, Report, Summary

#: Opens the file afresh for each pass.
Opener = Callable[[], IO[bytes]]
#: Told the pass ("validating", "sending") and the bytes read so far.
Progress = Callable[[str, int], None]


#: After a chunk was acknowledged: True when the broker still holds what it had
#: (``BrokerWatch.confirm``); False when it restarted empty; None when it did not say.
Confirm = Callable[[], Awaitable[bool | None]]


class BrokerNotConfirmed(Exception):
    """The broker did not confirm it kept a chunk: the import stops, its checkpoint
    before that chunk, so a re-run sends the chunk again."""

    def __init__(self, sent_through: int, lost: bool) -> None:
        why = "restarted empty" if lost else "did not answer the check"
        super().__init__(
            f"the broker {why} after acknowledging rows; the import stopped and rows "
            f"after line {sent_through} are not marked sent: run it again once the "
            "broker is back (nothing is sent twice)"
        )
        self.sent_through = sent_through
        self.lost = lost


class Service(Protocol):
    """What the runner asks of the service (``intake.Intake``; a stand-in in the bench)."""

    async def seen(self, events: Sequence[Event]) -> list[Seen]: ...

    async def send(self, events: Sequence[Event]) -> None: ...


class Marks(Protocol):
    """Where a file's progress is kept (``checkpoint.Checkpoints``)."""

    async def sent_through(self, tenant_id: str, file_key: str) -> int: ...

    async def advance(self, tenant_id: str, file_key: str, line: int) -> None: ...


@contextmanager
def _rows(opener: Opener, mapping: Mapping) -> Iterator[tuple[HashingStream, Iterator[Row]]]:
    with opener() as raw:
        stream = HashingStream(raw)
        yield stream, read_rows(stream, mapping)


async def run_import(
    opener: Opener,
    mapping: Mapping,
    converter: Converter,
    intake: Service,
    checkpoints: Marks,
    report: Report,
    *,
    skip_invalid: bool = False,
    chunk: int = 500,
    progress: Progress | None = None,
    confirm: Confirm | None = None,
) -> Summary:
    summary = Summary()
    tenant = mapping.tenant_id

    def conflict(line: int, event: Event, first: int = 0) -> Problem:
        column = mapping.spec.event_id.column or ", ".join(mapping.spec.event_id.columns) or None
        why = f"{event.event_id!r} already names an event with other content"
        why += f" (line {first} of this file)" if first else ""
        return Problem(line, column, "event_id", "event_id_conflict", why)

    def flag(problems: list[Problem]) -> None:
        summary.invalid += 1
        summary.problems += len(problems)
        for p in problems:
            report.add(p)

    # Pass 1: every row through the event models, and ids against the file's earlier rows
    # and what the service holds.
    ids = FileIds()
    pending: list[tuple[int, Event]] = []

    async def check_ids() -> None:
        seen_all = await intake.seen([e for _, e in pending])
        for (line, event), seen in zip(pending, seen_all, strict=True):
            if seen is Seen.CONFLICT:
                flag([conflict(line, event)])
                ids.refuse(event)
        pending.clear()

    with _rows(opener, mapping) as (stream, rows):
        for row in rows:
            summary.rows += 1
            event, problems = converter.convert(row)
            if event is None:
                flag(problems)
            elif not (earlier := ids.first(row.line, event))[1]:
                flag([conflict(row.line, event, earlier[0])])
            else:
                pending.append((row.line, event))
                if len(pending) >= chunk:
                    await check_ids()
            if progress and summary.rows % 1000 == 0:
                progress("validating", stream.read_bytes)
        await check_ids()
        file_key = f"{stream.sha256.hexdigest()[:32]}-{mapping.digest}"
        if progress:
            progress("validating", stream.read_bytes)
    summary.file = file_key
    if summary.invalid and not skip_invalid:
        summary.refused = True
        return summary

    # Pass 2: send what the service does not have yet, chunk by chunk.
    done_through = await checkpoints.sent_through(tenant, file_key)
    batch: list[tuple[int, Event]] = []
    last_line = 0

    async def flush() -> None:
        seen = await intake.seen([e for _, e in batch])
        fresh = [e for (_, e), s in zip(batch, seen, strict=True) if s is Seen.NEW]
        summary.duplicates += sum(s is Seen.PROCESSED for s in seen)
        # Pass 1's conflicts never reach a batch: one here was claimed since, invalid too.
        for line, event in (b for b, s in zip(batch, seen, strict=True) if s is Seen.CONFLICT):
            flag([conflict(line, event)])
        if fresh:
            await intake.send(fresh)
            if confirm is not None and (kept := await confirm()) is not True:
                raise BrokerNotConfirmed(
                    await checkpoints.sent_through(tenant, file_key), kept is False
                )
        summary.sent += len(fresh)
        await checkpoints.advance(tenant, file_key, last_line)
        batch.clear()

    with _rows(opener, mapping) as (stream, rows):
        for n, row in enumerate(rows, start=1):
            if progress and n % 1000 == 0:
                progress("sending", stream.read_bytes)
            event, _ = converter.convert(row)
            if event is None:
                continue
            found = ids.find(event)
            if found is None or not found[0] or not found[1]:
                continue  # invalid in pass 1 (a conflict among them): counted there
            first = found[0]
            if row.line <= done_through:
                summary.resumed += 1
                continue
            if first != row.line:
                summary.duplicates += 1  # the same row again in the file
                continue
            batch.append((row.line, event))
            last_line = row.line
            if len(batch) >= chunk:
                await flush()
        if batch:
            await flush()
        if progress:
            progress("sending", stream.read_bytes)
    return summary
