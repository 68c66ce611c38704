"""Where a worker's CPU goes, by area, from a py-spy recording.

``py-spy record --format raw`` writes one line per distinct stack (frames
root first, ``;``-separated, then the sample count). Each sample is charged to
one area: the library doing the work when it is one we name (the Redis
client, Faust and aiokafka, metrics, logging), else the first of our modules
found walking from the leaf towards the root. pydantic is charged to
"records" under the code that builds output records and to "validation"
elsewhere.

Run: ``python -m bench.profile_areas RAW_FILE [--cpu-us-per-event X]``.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

#: (substring of a frame's file, area), tried in order for library frames.
LIBRARIES = (
    ("/redis/", "Redis client"),
    ("hiredis", "Redis client"),
    ("prometheus_client", "metrics"),
    ("/structlog/", "logging"),
    ("/logging/", "logging"),
    ("/faust/", "Faust machinery"),
    ("/mode/", "Faust machinery"),
    ("/aiokafka/", "Faust machinery"),
    ("/kafka/", "Faust machinery"),
)
#: Our modules, from the leaf up: the first one found names the area.
OURS = (
    ("streams/decision/log", "records"),
    ("recaudo/contracts/outputs", "records"),
    ("recaudo/contracts/codec", "records"),
    ("channels/content", "records"),
    ("recaudo/contracts/events", "validation"),
    ("recaudo/contracts/validators", "validation"),
    ("streams/event_ids", "validation"),
    ("recaudo/contracts/targeting", "rules"),
    ("/rules/", "rules"),
    ("/models/", "learners"),
    ("/channels/", "dispatch"),
    ("streams/", "decision core and stage"),
    ("recaudo/contracts/", "decision core and stage"),
)


def area_of(stack: str) -> str:
    # A frame reads "function (path/to/file.py:line)"; keep "/path/to/file.py:line".
    frames = ["/" + f[f.rfind("(") + 1 :] for f in stack.split(";")]
    pydantic = False
    for frame in reversed(frames):  # leaf first
        if not pydantic and "/mode/worker.py" not in frame:
            # (mode's Worker is the root of the main thread's every stack: the
            # loop's own work under it is "event loop"; Faust's consumer thread
            # is a mode ServiceThread, charged to Faust.)
            for part, area in LIBRARIES:
                if part in frame:
                    return area
        if "pydantic" in frame:
            pydantic = True
            continue
        for part, area in OURS:
            if part in frame:
                if pydantic and area not in ("records", "validation"):
                    return "validation"
                return area
    if pydantic:
        return "validation"
    if any("asyncio" in f for f in frames):
        return "event loop"
    return "other"


def areas(raw: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, n = line.rpartition(" ")
        if stack and n.isdigit():
            counts[area_of(stack)] += int(n)
    return counts


def report(counts: Counter[str], cpu_us_per_event: float | None) -> list[str]:
    total = sum(counts.values()) or 1
    lines = []
    for area, n in counts.most_common():
        share = n / total
        us = f"{share * cpu_us_per_event:8.0f} µs/event" if cpu_us_per_event else ""
        lines.append(f"    {area:<26} {share * 100:5.1f} %  {us}")
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("raw", type=Path)
    parser.add_argument("--cpu-us-per-event", type=float)
    args = parser.parse_args()
    print("\n".join(report(areas(args.raw), args.cpu_us_per_event)))
