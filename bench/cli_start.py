"""How long the per-call commands take to start, against a bare interpreter.

``check-contact``, ``policy check``, ``template preview`` and ``--help`` are run
from scripts and pipes, one process per call, so their start is most of what a
caller waits for. Each command runs ``--runs`` times as a fresh
``python -m recaudo`` process; the figure is the median wall time, and the
ratio is to ``python -c pass`` measured in the same run (machine noise hits
both). ``--baseline COMMIT`` also runs every command in that commit's tree
(``git archive``, same interpreter and packages), so before and after are
side by side. A figure, not a test: timings on a shared machine are noisy.

    .venv/bin/python -m bench.cli_start [--runs 7] [--baseline COMMIT]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The last commit before the commands imported lazily (issue 23, part 4).
BASELINE = "3b987a3"
PROPOSAL = (
    b'{"jurisdiction": "CO", "timezone": "America/Bogota", "channel": "sms",'
    b' "at": "2025-06-15T11:00:00-05:00"}'
)
#: (label, arguments after ``python -m recaudo``, stdin)
COMMANDS: tuple[tuple[str, tuple[str, ...], bytes], ...] = (
    ("--help", ("--help",), b""),
    ("check-contact --help", ("check-contact", "--help"), b""),
    ("check-contact < proposal", ("check-contact",), PROPOSAL),
    ("policy check --help", ("policy", "check", "--help"), b""),
    ("policy check default", ("policy", "check", "rules/default_policy.toml"), b""),
    ("template preview --help", ("template", "preview", "--help"), b""),
    (
        "template preview (sms)",
        (
            "template",
            "preview",
            "--tenant",
            "t",
            "--template",
            "reminder",
            "--lang",
            "es",
            "--channel",
            "sms",
        ),
        b"",
    ),
)


def wall_s(argv: list[str], cwd: Path, stdin: bytes) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} in {cwd} exited {done.returncode}: {done.stderr!r}")
    return elapsed


def median_s(argv: list[str], cwd: Path, stdin: bytes, runs: int) -> float:
    wall_s(argv, cwd, stdin)  # one unmeasured run: the page cache and .pyc files are warm
    return statistics.median(wall_s(argv, cwd, stdin) for _ in range(runs))


def checkout(commit: str, into: Path) -> Path:
    """``commit``'s tree under ``into`` (its recaudo/<domain> symlinks included)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline", default=BASELINE, help="commit to compare ('' for none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cli-start-") as tmp:
        trees = {"now": ROOT}
        if args.baseline:
            trees[args.baseline] = checkout(args.baseline, Path(tmp))
        bare = median_s([sys.executable, "-c", "pass"], ROOT, b"", args.runs)
        print(f"python -c pass: {bare:.3f} s (median of {args.runs})")
        names = list(trees)
        header = ["command", *(f"{n} s" for n in names), *(f"{n} x bare" for n in names)]
        print(" | ".join(header))
        for label, rest, stdin in COMMANDS:
            figures = [
                median_s([sys.executable, "-m", "recaudo", *rest], tree, stdin, args.runs)
                for tree in trees.values()
            ]
            cells = [f"{f:.2f}" for f in figures] + [f"{f / bare:.0f}" for f in figures]
            print(" | ".join([label, *cells]), flush=True)


if __name__ == "__main__":
    main()
