"""A long-running process's startup heap, kept out of the garbage collector's walks.

A worker starts with ~200,000 objects that live as long as it does (the modules of
Faust, aiokafka, pydantic and river, its policies, wiring and models). CPython's
full (generation 2) collection walks every one of them each time: in the pipeline
bench such a collection took 100-160 ms, 38 of them 4.5 s of the worker's 26 s of
CPU, and a decision caught behind one waited that long (``bench/README.md``, "The
startup heap frozen"). Frozen, they are left out of every collection; a full
collection then walks only what was made since (11-18 ms there).
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> int:
    """Collect, then freeze every object still alive; how many were frozen.

    Call once the process has built what it keeps for its lifetime, before it
    serves. Collecting first keeps garbage out: a frozen cycle is never freed.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
