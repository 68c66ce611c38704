"""The per-call commands start without the workers, learners or HTTP stack loaded.

Start time itself is measured by ``bench/cli_start.py``, not asserted here: a
timed test fails on a busy machine. What is asserted is the cause of a slow
start: which modules a command imports.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.resources import files

import click
import orjson
import pytest
from click.testing import CliRunner

from recaudo.cli import LAZY, main

#: Loaded only by the commands that run streams, learners, the web or a backtest.
HEAVY = ("faust", "river", "numpy", "recaudo.backtest", "recaudo.streams.wiring", "recaudo.web")
PROPOSAL = '{"jurisdiction": "CO", "channel": "sms", "at": "2025-06-15T11:00:00-05:00"}'


def modules_after(args: list[str], stdin: str = "") -> set[str]:
    """The modules a fresh interpreter holds after ``recaudo ARGS``."""
    script = (
        "import sys, orjson\n"
        "from recaudo.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write('\\n' + orjson.dumps(sorted(sys.modules)).decode())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(orjson.loads(done.stderr.rsplit("\n", 1)[1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY))


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["--help"], ""),
        (["check-contact", "--help"], ""),
        (["check-contact"], PROPOSAL),
        (["policy", "check", "--help"], ""),
        (["template", "preview", "--help"], ""),
    ],
)
def test_per_call_commands_do_not_import_the_service(args: list[str], stdin: str) -> None:
    assert heavy(modules_after(args, stdin)) == []


def test_help_and_check_contact_do_not_import_aiohttp() -> None:
    assert "aiohttp" not in modules_after(["--help"])
    assert "aiohttp" not in modules_after(["check-contact"], PROPOSAL)


@pytest.mark.parametrize(
    "args",
    [
        [
            "template",
            "preview",
            "--tenant",
            "t",
            "--template",
            "reminder",
            "--lang",
            "es",
            "--channel",
            "sms",
        ],
        ["policy", "check", str(files("recaudo.rules").joinpath("default_policy.toml"))],
    ],
)
def test_rendering_commands_do_not_import_the_provider_clients(args: list[str]) -> None:
    loaded = modules_after(args)
    assert "aiohttp" not in loaded
    assert "redis" not in loaded


@pytest.mark.parametrize("name", sorted(LAZY))
def test_a_lazy_command_is_the_real_one_and_its_help_matches(name: str) -> None:
    command = LAZY[name].load()
    assert isinstance(command, click.Command)
    assert command.name == name
    assert LAZY[name].help == command.get_short_help_str(10**6)


def test_help_lists_every_command_and_runs_a_lazy_one() -> None:
    listed = CliRunner().invoke(main, ["--help"])
    assert listed.exit_code == 0, listed.output
    for name in (*LAZY, "config", "demo", "report", "schema", "web", "worker"):
        assert f"  {name} " in listed.output
    verdict = CliRunner().invoke(main, ["check-contact"], input=PROPOSAL)
    assert verdict.exit_code == 0, verdict.output
    assert orjson.loads(verdict.output)["action"] in {"send", "defer", "block"}


def test_schema_still_prints_one_topic() -> None:
    result = CliRunner().invoke(main, ["schema", "payments"])
    assert result.exit_code == 0, result.output
    assert list(orjson.loads(result.output)) == ["payments"]
