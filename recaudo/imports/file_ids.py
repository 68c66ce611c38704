"""The event ids of one file, for both passes of an import: where each first came
and with what content.

Pass 1 refuses a row whose id an earlier row of the file gave other content (a
conflict); pass 2 sends each id once, from its first row, however many chunks
apart its copies are. It is the one record an import keeps per row, so it is
kept small: an open-addressing table of 64-bit digests of the id and of the
content, and the first line, in three flat arrays (24 bytes a slot, at most
half of them in use: 24-48 bytes an id, where a dict of digests took ~190).
Two ids of one file share a 64-bit digest with a chance of about n²/2⁶⁵ (3 in
100 million for a million rows); the second would be reported as a conflict.
"""

from __future__ import annotations

import hashlib
from array import array

from recaudo.contracts.events import Event

_FIRST_CAPACITY = 1 << 12


def _digest(text: str) -> int:
    """A 64-bit digest, never 0 (0 marks an empty slot)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") or 1


class FileIds:
    def __init__(self) -> None:
        self._used = 0
        self._ids = self._contents = self._lines = array("Q")
        self._allot(_FIRST_CAPACITY)

    def first(self, line: int, event: Event) -> tuple[int, bool]:
        """The line the id first came on (``line`` when new; 0 when the service refused
        it) and whether with this row's content."""
        key, content = _digest(event.event_id), _digest(event.model_dump_json())
        slot = self._slot(key)
        if self._ids[slot]:
            return self._lines[slot], self._contents[slot] == content
        self._ids[slot], self._contents[slot], self._lines[slot] = key, content, line
        self._used += 1
        if 2 * self._used > len(self._ids):
            self._grow()
        return line, True

    def find(self, event: Event) -> tuple[int, bool] | None:
        """As ``first``, for an id already met (None when not: its rows were invalid)."""
        slot = self._slot(_digest(event.event_id))
        if not self._ids[slot]:
            return None
        return self._lines[slot], self._contents[slot] == _digest(event.model_dump_json())

    def refuse(self, event: Event) -> None:
        """The service holds other content for the id: no row of it is sent."""
        slot = self._slot(_digest(event.event_id))
        if self._ids[slot]:
            self._lines[slot] = 0

    def _slot(self, key: int) -> int:
        """The slot holding ``key``, or the empty one where it would go."""
        mask = len(self._ids) - 1
        slot = key & mask
        while self._ids[slot] not in (0, key):
            slot = (slot + 1) & mask
        return slot

    def _allot(self, capacity: int) -> None:
        empty = bytes(8 * capacity)
        self._ids, self._contents, self._lines = (
            array("Q", empty),
            array("Q", empty),
            array("Q", empty),
        )

    def _grow(self) -> None:
        ids, contents, lines = self._ids, self._contents, self._lines
        self._allot(2 * len(ids))
        for old, key in enumerate(ids):
            if key:
                slot = self._slot(key)
                self._ids[slot], self._contents[slot] = key, contents[old]
                self._lines[slot] = lines[old]
