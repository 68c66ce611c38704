"""When to try a failed message again: exponential, jittered, and for at least 3 days.

The delay doubles from ``base_s`` up to ``cap_s``; each is stretched by up to
``jitter`` (never shortened, so the window is never cut short), by an amount
drawn from the message id and attempt, so the schedule is reproducible and
endpoints recovering together are not hit in one burst. The last attempt is
made at ``window_s`` after the first, then the message is dead-lettered.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    base_s: float = 5.0
    cap_s: float = 6 * 3600.0
    jitter: float = 0.25
    window_s: float = 3 * 24 * 3600.0

    def delay(self, msg_id: str, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt (1-based)."""
        raw = min(self.cap_s, self.base_s * 2 ** min(attempts - 1, 40))
        digest = hashlib.blake2s(f"{msg_id}:{attempts}".encode(), digest_size=8).digest()
        return raw * (1 + self.jitter * int.from_bytes(digest) / 2**64)

    def next_at(self, msg_id: str, attempts: int, first_at: float, now: float) -> float | None:
        """When to try again, or None: the window is spent, dead-letter it."""
        deadline = first_at + self.window_s
        if now >= deadline:
            return None
        return min(now + self.delay(msg_id, attempts), deadline)
