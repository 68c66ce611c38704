"""``recaudo backtest --events`` that would read nothing stops with exit 2 and says why,
each kind of skipped line counted, before it starts Redis or a single policy."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from recaudo.backtest import cli
from recaudo.examples import EXAMPLES


@pytest.fixture(autouse=True)
def no_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(url: str | None) -> None:
        raise AssertionError("a log with nothing to read must stop before starting anything")

    monkeypatch.setattr(cli, "resolve_redis", refuse)


def write(path: Path, lines: list[bytes]) -> str:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return str(path)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.backtest, ["--quiet", *args])
    return result.exit_code, " ".join(result.output.split())  # click wraps long messages


def test_only_unreadable_lines_exit_2_with_the_count_and_the_first_reason(tmp_path: Path) -> None:
    bad_event = orjson.dumps({**EXAMPLES["payment"], "amount": {"amount_minor": 5}})
    log = write(tmp_path / "log.ndjson", [b"{not json", b"", bad_event])
    code, out = run("--events", log)
    assert code == 2, out
    assert "nothing to read: all 2 lines skipped: 2 unreadable (first, line 1: not JSON)" in out


def test_lines_out_of_window_or_tenant_are_counted_by_reason(tmp_path: Path) -> None:
    lines = [
        orjson.dumps(EXAMPLES["account"]),  # acme, 2026-11-30
        orjson.dumps(EXAMPLES["payment"]),  # acme, 2026-12-04
        orjson.dumps({**EXAMPLES["payment"], "tenant_id": "globex", "event_id": "g-1"}),
        orjson.dumps({**EXAMPLES["account"], "status": "asleep"}),
    ]
    log = write(tmp_path / "log.ndjson", lines)
    code, out = run("--events", log, "--tenant", "acme", "--start", "2026-03-02T05:00:00Z")
    assert code == 2, out
    assert "all 4 lines skipped" in out
    assert "1 unreadable (first, line 4: account.status: Input should be" in out
    assert "2 after the window's end 2026-04-01T05:00:00+00:00 (--start" in out
    assert "1 for tenants other than --tenant acme (globex)" in out


def test_one_event_in_the_window_is_enough_to_run(tmp_path: Path) -> None:
    """The same log with a start that covers it gets past the check (to Redis)."""
    log = write(tmp_path / "log.ndjson", [b"{not json", orjson.dumps(EXAMPLES["account"])])
    result = CliRunner().invoke(cli.backtest, ["--quiet", "--events", log])
    assert isinstance(result.exception, AssertionError), result.output
    assert "skipped 1 unreadable (first, line 1: not JSON)" in result.stderr
