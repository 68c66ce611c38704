"""The progress bar draws on a terminal only."""

from __future__ import annotations

import datetime as dt
import io

from recaudo.backtest.progress import Progress

START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
END = START + dt.timedelta(days=2)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_stderr_is_not_a_terminal() -> None:
    stream = io.StringIO()
    bar = Progress("A", START, END, stream, quiet=False)
    bar(END, 100)
    bar.close()
    assert stream.getvalue() == ""


def test_draws_the_simulated_date_on_a_terminal_unless_quiet() -> None:
    stream = Terminal()
    bar = Progress("A", START, END, stream, quiet=False)
    bar(END, 100)
    bar.close()
    assert "2026-03-04 00:00" in stream.getvalue()
    assert "ev/s" in stream.getvalue()
    quiet = Terminal()
    Progress("A", START, END, quiet, quiet=True)(END, 100)
    assert quiet.getvalue() == ""
