"""``python -m bench``: every benchmark in turn, each printing its figures and ratios."""

from __future__ import annotations

import runpy
import sys

BENCHES = (
    "bench.pipeline",
    "bench.urgent_flood",
    "bench.debtor_memory",
    "bench.idle_workers",
    "bench.webhooks",
    "bench.model_state_memory",
    "bench.decision_quality",
    "bench.assistant",
    "bench.reminders",
    "bench.opt_out_matching",
    "bench.cli_start",
    "bench.walk",
)

if __name__ == "__main__":
    for name in BENCHES:
        print(f"== {name}", flush=True)
        sys.argv = [name]
        runpy.run_module(name, run_name="__main__")
