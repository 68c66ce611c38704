"""What the pipeline costs Redis, read from the server itself (``INFO``).

Deltas of ``INFO commandstats`` give the commands per event by name (commands
run inside Lua scripts are counted under their own names, next to the EVALSHA
that ran them); ``total_reads_processed`` counts the read events the server
handled, one per request that arrives (a pipeline arrives as one unless it
outgrows a socket read): the round trips. ``used_memory`` growth over the
debtors is their footprint, every key included (schedule and indexes too).
The bench's Redis is its own, so nothing else moves these counters.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import redis

from recaudo.embedded import Managed, start_redis


@dataclass
class Snapshot:
    calls: dict[str, int] = field(default_factory=dict)
    reads: int = 0
    memory: int = 0
    keys: int = 0
    cpu_s: float = 0.0


def private_redis() -> Managed:
    """``REDIS_URL`` when set, else a server of the bench's own (never the shared one)."""
    url = os.environ.get("REDIS_URL")
    return Managed(url=url) if url else start_redis()


def snapshot(client: redis.Redis, pids: list[int]) -> Snapshot:
    stats = client.info("commandstats")
    calls = {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}
    return Snapshot(
        calls=calls,
        reads=int(client.info("stats")["total_reads_processed"]),
        memory=int(client.info("memory")["used_memory"]),
        keys=int(client.dbsize()),
        cpu_s=sum(process_cpu_s(pid) for pid in pids),
    )


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux ``/proc``)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(before: Snapshot, after: Snapshot, events: int, label: str) -> list[str]:
    """Lines for the bench output: per event, by command name, largest first."""
    delta = {
        name: after.calls.get(name, 0) - before.calls.get(name, 0)
        for name in after.calls
        if after.calls.get(name, 0) > before.calls.get(name, 0)
    }
    # INFO and friends are the bench's own.
    for own in ("info", "dbsize", "config|get", "config", "memory|usage", "scan", "debug"):
        delta.pop(own, None)
    total = sum(delta.values())
    trips = after.reads - before.reads
    lines = [
        f"{label}: Redis commands per event  {total / events:8.2f}",
        f"{label}: Redis round trips / event {trips / events:8.2f}   (server read events)",
        f"{label}: worker CPU per event      {(after.cpu_s - before.cpu_s) / events * 1e6:8.0f} µs",
    ]
    for name, n in sorted(delta.items(), key=lambda kv: -kv[1]):
        lines.append(f"    {name:<22} {n / events:8.2f}")
    return lines
