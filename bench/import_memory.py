"""File intake memory: peak memory importing 100k lines against 1M lines (rows are
streamed; the table of the file's distinct ids grows).

Each size runs in a fresh interpreter (so RSS is its own): a payments CSV is
written, then ``recaudo.imports.run_import`` validates it whole and "sends"
it, both passes streaming, with in-memory stand-ins for the broker and Redis
(they only count; their cost is not the import's). Reported per size: the
peak of Python allocations (``tracemalloc``), the peak RSS (``ru_maxrss``,
interpreter and libraries included), and the ratio of the large run to the
small one, the baseline of the same run. Constant memory means a ratio near
1 while the file grows 10x.

Run: ``python -m bench.import_memory [--small 100000] [--large 1000000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import orjson

from recaudo.contracts.events import Event
from recaudo.imports import Converter, Report, parse_mapping, run_import
from recaudo.imports.intake import Seen

MAPPING = b"""
format = "csv"
timezone = "America/Bogota"
[event_id]
column = "txn_id"
[fields]
type = "payment"
tenant_id = "acme"
occurred_at = { column = "posted_at", as = "datetime", format = "%Y-%m-%d %H:%M" }
paid_at = { column = "posted_at", as = "datetime", format = "%Y-%m-%d %H:%M" }
debtor_id = { column = "customer_id" }
account_id = { column = "loan_id" }
payment_id = { column = "txn_id" }
amount = { column = "amount", as = "money", units = "major", currency = "COP" }
method = { column = "channel", values = { PSE = "bank_transfer", EFECTIVO = "cash" } }
"""


def write_csv(path: Path, lines: int) -> None:
    with path.open("w") as out:
        out.write("txn_id,customer_id,loan_id,posted_at,amount,channel\n")
        for n in range(lines):
            channel = "PSE" if n % 3 else "EFECTIVO"
            out.write(f"T-{n},C-{n % 50000},L-{n % 50000},2026-11-30 10:{n % 60:02d},")
            out.write(f"{1000 + n % 90000}.{n % 100:02d},{channel}\n")


class Counting:
    """The service stand-in: every id new, every send counted."""

    def __init__(self) -> None:
        self.sent = 0

    async def seen(self, events: Sequence[Event]) -> list[Seen]:
        return [Seen.NEW] * len(events)

    async def send(self, events: Sequence[Event]) -> None:
        self.sent += len(events)


class Marks:
    def __init__(self) -> None:
        self.lines: dict[tuple[str, str], int] = {}

    async def sent_through(self, tenant_id: str, file_key: str) -> int:
        return self.lines.get((tenant_id, file_key), 0)

    async def advance(self, tenant_id: str, file_key: str, line: int) -> None:
        self.lines[(tenant_id, file_key)] = line


def child(path: Path, trace: bool) -> None:
    mapping = parse_mapping(MAPPING)
    service = Counting()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    summary = asyncio.run(
        run_import(lambda: path.open("rb"), mapping, Converter(mapping), service, Marks(), Report())
    )
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory() if trace else (0, 0)
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert summary.sent == service.sent == summary.rows, summary
    out = {"rows": summary.rows, "peak": peak, "rss": rss_kib * 1024, "s": elapsed}
    print(orjson.dumps(out).decode())


def measure(lines: int, workdir: Path, trace: bool) -> dict[str, float]:
    path = workdir / f"payments-{lines}.csv"
    write_csv(path, lines)
    done = subprocess.run(
        [sys.executable, "-m", "bench.import_memory", "--child", str(path)]
        + ([] if trace else ["--no-trace"]),
        capture_output=True,
        text=True,
        check=True,
    )
    path.unlink()
    result: dict[str, float] = orjson.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--child", type=Path)
    # tracemalloc makes the import ~8x slower (1M lines: ~15 min on the 2-core machine);
    # --no-trace measures peak RSS alone.
    parser.add_argument("--no-trace", dest="trace", action="store_false")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.trace)
        return
    with tempfile.TemporaryDirectory() as tmp:
        small = measure(args.small, Path(tmp), args.trace)
        large = measure(args.large, Path(tmp), args.trace)
    on = "on" if args.trace else "off"
    print(f"| lines | tracemalloc peak | peak RSS | rows/s (both passes, tracemalloc {on}) |")
    print("| --- | --- | --- | --- |")
    for run in (small, large):
        print(
            f"| {run['rows']:,.0f} | {_mib(run['peak'])} | {run['rss'] / 2**20:.1f} MiB "
            f"| {run['rows'] / run['s']:,.0f} |"
        )
    traced = f"{large['peak'] / small['peak']:.2f}" if args.trace else "n/a"
    ratio = large["rss"] / small["rss"]
    print(f"ratio {args.large:,}/{args.small:,} lines: tracemalloc peak {traced}, RSS {ratio:.2f}")


def _mib(peak: float) -> str:
    return f"{peak / 2**20:.2f} MiB" if peak else "n/a"


if __name__ == "__main__":
    main()
