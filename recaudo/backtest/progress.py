"""A one-line progress bar on stderr: simulated date, events per second, time left.

Only on a terminal: a log file or a pipe gets nothing (no carriage returns in
CI output), and ``--quiet`` silences it. Wall time is read here for display
only; it never reaches a decision.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TextIO

WIDTH = 24
EVERY_S = 0.25  # redraw at most four times a second


class Progress:
    def __init__(
        self, label: str, start: dt.datetime, end: dt.datetime, stream: TextIO, quiet: bool
    ) -> None:
        self._label, self._start, self._end, self._stream = label, start, end, stream
        self.enabled = not quiet and stream.isatty()
        self._began = time.perf_counter()
        self._drawn = 0.0

    def __call__(self, now: dt.datetime, events: int) -> None:
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self._began
        if elapsed - self._drawn < EVERY_S and now < self._end:
            return
        self._drawn = elapsed
        done = min(1.0, (now - self._start) / (self._end - self._start))
        bar = "#" * round(done * WIDTH)
        left = elapsed * (1 - done) / done if done > 0 else 0.0
        self._stream.write(
            f"\r{self._label} [{bar:<{WIDTH}}] {now:%Y-%m-%d %H:%M} "
            f"{events / max(elapsed, 1e-9):,.0f} ev/s, {left:.0f} s left "
        )
        self._stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._stream.write("\n")
            self._stream.flush()
