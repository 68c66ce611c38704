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

# Counted once, at the freeze: ``gc.get_freeze_count()`` walks the whole frozen
# list (~5 ms for a worker's), too dear for every metrics scrape.
_frozen = 0


def freeze_startup_heap() -> int:
    """Collect, then freeze every object still alive; how many were frozen.

    Call once the process has built what it keeps for its lifetime, before it
    serves. Collecting first keeps garbage out: a frozen cycle is never freed.
    """
    global _frozen
    gc.collect()
    gc.freeze()
    _frozen = gc.get_freeze_count()
    return _frozen


def frozen_objects() -> int:
    """How many objects the last ``freeze_startup_heap`` froze (0 before it)."""
    return _frozen
