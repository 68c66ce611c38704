"""``free_port`` chooses below the kernel's ephemeral range, where no outgoing
connection can take the port before its server binds it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from recaudo import embedded
from recaudo.embedded import LOWEST_CHOSEN_PORT, ephemeral_ports, free_port


def bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_the_port_is_free_and_below_the_ephemeral_range() -> None:
    ports = {free_port() for _ in range(20)}
    assert all(LOWEST_CHOSEN_PORT <= port < ephemeral_ports().start for port in ports)
    assert all(bindable(port) for port in ports)
    assert len(ports) > 1, "chosen at random, so parallel test workers rarely meet"


def test_below_bounds_the_choice() -> None:
    assert all(
        free_port(below=LOWEST_CHOSEN_PORT + 50) < LOWEST_CHOSEN_PORT + 50 for _ in range(20)
    )


@pytest.fixture
def taken() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_taken_port_is_passed_over(taken: int, monkeypatch: pytest.MonkeyPatch) -> None:
    picks = iter([taken, taken, LOWEST_CHOSEN_PORT + 7])
    monkeypatch.setattr(embedded.random, "randrange", lambda _low, _high: next(picks))
    if not bindable(LOWEST_CHOSEN_PORT + 7):
        pytest.fail("the fallback candidate is taken on this machine: pick another")
    assert free_port() == LOWEST_CHOSEN_PORT + 7


def test_the_kernel_chooses_when_the_range_leaves_no_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ranges = tmp_path / "ip_local_port_range"
    ranges.write_text("5000\t60999\n")
    monkeypatch.setattr(embedded, "EPHEMERAL_RANGE_FILE", ranges)
    assert ephemeral_ports() == range(5000, 61000)
    assert free_port() >= 5000, "port 0's choice, in the ephemeral range"


def test_without_the_proc_file_linux_defaults_are_assumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedded, "EPHEMERAL_RANGE_FILE", tmp_path / "missing")
    assert ephemeral_ports() == range(32_768, 61_000)
