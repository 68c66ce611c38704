"""The startup heap is frozen without the garbage that was waiting to be collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from recaudo.foundation.startup_heap import freeze_startup_heap, frozen_objects


class Node:
    """An object that can be part of a reference cycle."""

    def __init__(self) -> None:
        self.other: object = None


@pytest.fixture
def no_automatic_collection() -> Iterator[None]:
    """Only the function under test collects; everything it froze is thawed after."""
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.enable()


@pytest.mark.usefixtures("no_automatic_collection")
def test_a_cycle_already_garbage_is_collected_not_frozen_and_the_living_are_frozen() -> None:
    garbage = Node()
    garbage.other = garbage
    gone = weakref.ref(garbage)
    del garbage
    kept = Node()
    assert gone() is not None, "no collection has run yet"

    frozen = freeze_startup_heap()

    assert gone() is None, "a frozen cycle would never be freed"
    assert frozen == gc.get_freeze_count() > 0
    assert frozen_objects() == frozen, "what the metric reports, counted at the freeze"
    assert gc.is_tracked(kept)
    assert all(kept is not obj for obj in gc.get_objects()), "frozen: out of every collection"
