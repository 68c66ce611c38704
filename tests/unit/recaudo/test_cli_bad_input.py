"""An operator's bad input to any subcommand: one line naming what to fix and a
non-zero exit (2 for a usage error, 1 for a runtime problem), never a traceback,
never a secret. Redis and the broker are closed loopback ports: refused at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result

from recaudo.cli import main
from recaudo.embedded import free_port, resolve_redis
from recaudo.foundation.errors import EmbeddedStackError

CANARY = "CANARY-do-not-print"
EXAMPLES = Path(__file__).parents[3] / "examples" / "imports"
PREVIEW = ["template", "preview", "--tenant", "acme", "--template", "reminder", "--lang", "es"]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECAUDO_")}
    return {**env, **extra}


def closed_redis(password: str = "") -> str:
    """A Redis URL nothing listens on (with ``password`` in it when given)."""
    userinfo = f":{password}@" if password else ""
    return f"redis://{userinfo}127.0.0.1:{free_port()}/0"


def invoke(args: list[str], env: dict[str, str] | None = None, stdin: bytes = b"") -> Result:
    """``recaudo ARGS`` in-process, with only the ``RECAUDO_*`` variables of ``env``."""
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("RECAUDO_")}
    return CliRunner().invoke(main, args, env={**unset, **(env or {})}, input=stdin)


def run_recaudo(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m recaudo ARGS`` as its own process: what an operator's terminal shows."""
    return subprocess.run(
        [sys.executable, "-m", "recaudo", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def one_line_error(result: Result, code: int) -> str:
    """The last line of the output, after checking the run ended as a CLI error should."""
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert CANARY not in result.output
    return result.output.strip().splitlines()[-1]


#: Commands that read the settings before anything else.
SETTINGS_READERS = [
    ["report", "--tenant", "acme"],
    ["healthcheck"],
    ["rebuild-state"],
    ["backtest", "--simulate", "2", "--days", "1", "--quiet"],
]
#: A bad value of a variable each, and the secret it must not print.
BAD_SETTINGS = [
    ("RECAUDO_API_KEYS", f"acme:{CANARY},globex:{CANARY}"),
    ("RECAUDO_CLOCK_START", CANARY),
    ("RECAUDO_LOG_FORMAT", CANARY),
]


@pytest.mark.parametrize(
    ("args", "variable", "value"),
    [
        *((args, *bad) for args in SETTINGS_READERS for bad in BAD_SETTINGS),
        # ``template preview`` builds Settings() itself: the group's handler words it.
        *(([*PREVIEW, "--channel", "sms"], *bad) for bad in BAD_SETTINGS),
        # A typo of RECAUDO_PROVIDERS_FILE: these used to run on the defaults.
        *((args, "RECAUDO_PROVIDER_FILE", CANARY) for args in SETTINGS_READERS),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable_never_the_value(
    args: list[str], variable: str, value: str
) -> None:
    result = invoke(args, {variable: value, "RECAUDO_REDIS_URL": closed_redis()})
    line = one_line_error(result, 1)
    assert variable in line
    assert len(result.output.strip().splitlines()) == 1, result.output


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--tenant", "acme"],
        ["report", "--tenant", "acme", "--credit-bureau"],
        ["report", "--tenant", "acme", "--after-effective-date"],
        ["webhooks", "replay", "--endpoint", "ep_1"],
    ],
)
@pytest.mark.parametrize("scheme", ["redis", "redis+cluster"])
def test_redis_not_answering_is_named_without_its_password(args: list[str], scheme: str) -> None:
    url = closed_redis(CANARY).replace("redis://", f"{scheme}://", 1)
    line = one_line_error(invoke(args, {"RECAUDO_REDIS_URL": url, "RECAUDO_TENANTS": "acme"}), 1)
    assert line.startswith("Error: Redis is unreachable (RECAUDO_REDIS_URL):"), line


REPORTS = [[], ["--credit-bureau"], ["--after-effective-date"], ["--format", "json"]]


@pytest.mark.parametrize("kind", REPORTS)
def test_a_report_of_a_tenant_not_served_is_refused_naming_the_served_ones(
    kind: list[str],
) -> None:
    """It printed an empty report, as if the tenant had no debtors. Refused before
    Redis is asked (a closed port: reaching it would end in exit 1)."""
    env = {
        "RECAUDO_TENANTS": "acme, initech",
        "RECAUDO_API_KEYS": f"umbrella:{CANARY}",
        "RECAUDO_REDIS_URL": closed_redis(),
    }
    result = invoke(["report", "--tenant", "globex", *kind], env)
    line = one_line_error(result, 2)
    assert line == (
        "Error: Invalid value for --tenant: 'globex' is not a tenant of this deployment "
        "(RECAUDO_TENANTS, RECAUDO_API_KEYS): it serves acme, initech, umbrella"
    )
    assert result.stdout == ""


def test_a_deployment_serving_no_tenant_reports_on_none() -> None:
    result = invoke(["report", "--tenant", "acme"], {"RECAUDO_REDIS_URL": closed_redis()})
    line = one_line_error(result, 2)
    assert "--tenant" in line
    assert line.endswith("(RECAUDO_TENANTS, RECAUDO_API_KEYS): it serves none"), line
    assert result.stdout == ""


def test_the_served_tenants_are_the_named_ones_and_every_api_keys() -> None:
    from recaudo.foundation.config import Settings

    settings = Settings(tenants=" acme,,initech ", api_keys="umbrella:k1,acme:k2")
    assert settings.served_tenants() == {"acme", "initech", "umbrella"}


def test_a_backtest_names_its_redis_without_the_password() -> None:
    url = closed_redis(CANARY)
    args = ["backtest", "--simulate", "2", "--days", "1", "--quiet"]
    line = one_line_error(invoke(args, {"RECAUDO_REDIS_URL": url}), 1)
    assert "****@127.0.0.1" in line


def test_the_broker_not_answering_is_named() -> None:
    env = {
        "RECAUDO_BROKER_URL": f"kafka://svc:{CANARY}@127.0.0.1:{free_port()}",
        "RECAUDO_REDIS_URL": closed_redis(),
    }
    args = ["import", str(EXAMPLES / "accounts.csv"), "--mapping", str(EXAMPLES / "accounts.toml")]
    line = one_line_error(invoke([*args, "--quiet"], env), 1)
    assert line.startswith("Error: the broker is unreachable (RECAUDO_BROKER_URL):"), line


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "--debtors", "2", "--out", "{missing}/accounts.ndjson"],
        ["simulate", "--debtors", "2", "--days", "1", "--events-out", "{missing}/events.ndjson"],
        [*PREVIEW, "--channel", "sms", "--account", "{missing}/account.json"],
        [
            "import",
            str(EXAMPLES / "accounts.csv"),
            "--mapping",
            str(EXAMPLES / "accounts.toml"),
            "--report",
            "{missing}/report.ndjson",
        ],
    ],
)
def test_a_file_that_cannot_be_opened_is_named(args: list[str], tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-folder")
    filled = [a.format(missing=missing) for a in args]
    line = one_line_error(invoke(filled, {"RECAUDO_REDIS_URL": closed_redis()}), 1)
    assert f"{missing}/" in line
    assert "No such file or directory" in line


def test_check_contact_reads_input_that_is_not_utf8_as_invalid_json() -> None:
    result = invoke(["check-contact"], stdin=b"\xff\xfe{garbage")
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2
    errors = orjson.loads(result.stderr)["errors"]
    assert errors[0]["field"] == "(document)"
    assert "Invalid JSON" in errors[0]["error"]


def test_check_contact_still_reads_utf8_text() -> None:
    proposal = '{"jurisdiction": "CO", "channel": "sms", "at": "2025-06-15T11:00:00-05:00"}'
    result = invoke(["check-contact"], stdin=proposal.encode())
    assert result.exit_code == 0, result.output
    assert "action" in orjson.loads(result.stdout)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["report", "--tenant", ""], "--tenant"),
        (["report", "--tenant", "Acme"], "--tenant"),
        (["simulate", "--seed", "-1", "--out", os.devnull], "--seed"),
        (["simulate", "--tenant", "", "--out", os.devnull], "--tenant"),
        (["simulate", "--now", "9999-12-31", "--events-out", os.devnull], "--now"),
        (["simulate", "--now", "0001-01-01", "--out", os.devnull], "--now"),
        (["backtest", "--simulate", "0"], "--simulate"),
        (["backtest", "--simulate", "2", "--seed", "-1"], "--seed"),
        (["backtest", "--simulate", "2", "--days", "nan"], "--days"),
        (["backtest", "--simulate", "2", "--days", "-1"], "--days"),
        (["backtest", "--simulate", "2", "--days", "1e308"], "--days"),
        (["backtest", "--simulate", "2", "--tick-minutes", "0"], "--tick-minutes"),
        (["backtest", "--simulate", "2", "--tick-minutes", "-1"], "--tick-minutes"),
        (["backtest", "--simulate", "2", "--tick-minutes", "inf"], "--tick-minutes"),
        (["backtest", "--simulate", "2", "--start", "garbage"], "--start"),
        (["backtest", "--simulate", "2", "--start", "2026-13-45"], "--start"),
        (["backtest", "--simulate", "2", "--start", "9999-12-31"], "--start"),
        (["backtest", "--simulate", "2", "--tenant", ","], "--tenant"),
        (["backtest", "--simulate", "2", "--tenant", "acme,globex"], "--tenant"),
        (["worker", "--loglevel", "loud"], "--loglevel"),
        (["demo", "--debtors", "0"], "--debtors"),
        (["demo", "--port", "-1"], "--port"),
        (["demo", "--duration", "nan"], "--duration"),
        (["demo", "--hours-per-second", "0"], "--hours-per-second"),
        (["demo", "--days", "0"], "--days"),
        (["dev", "--port", "70000"], "--port"),
        (["dev", "--tenant", ""], "--tenant"),
    ],
)
def test_an_out_of_range_value_is_a_usage_error_naming_its_option(
    args: list[str], option: str
) -> None:
    line = one_line_error(invoke(args, {"RECAUDO_REDIS_URL": closed_redis()}), 2)
    assert option in line, line


def test_a_taken_port_stops_the_demo_before_it_starts() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_line_error(invoke(["demo", "--port", str(port), "--duration", "1"]), 1)
    assert f"port {port} is in use" in line


def test_end_to_end_stderr_is_one_line_without_traceback() -> None:
    """The real process: what an operator's terminal shows."""
    env = clean_env(RECAUDO_REDIS_URL=closed_redis(CANARY))
    done = run_recaudo(["webhooks", "replay", "--endpoint", "ep_1"], env)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: Redis is unreachable (RECAUDO_REDIS_URL):"), lines[0]
    assert CANARY not in done.stderr + done.stdout


def test_a_policy_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    policy = tmp_path / "acme.toml"
    policy.write_bytes(b'version = "\xff\xfe"\n')
    line = one_line_error(invoke(["policy", "check", str(policy)]), 1)
    assert str(policy) in line
    assert "UTF-8" in line


def test_an_embedded_stack_names_its_redis_without_the_password() -> None:
    url = closed_redis(CANARY)
    with pytest.raises(EmbeddedStackError) as raised:
        resolve_redis(url)
    assert CANARY not in str(raised.value)
    assert "****" in str(raised.value)


@pytest.mark.parametrize(
    ("content", "says"),
    [(b"{not json", "not JSON"), (b"[1, 2]", "not a JSON object"), (b'{"type": "account"}', "")],
)
def test_a_preview_account_that_is_no_account_event_names_the_option(
    tmp_path: Path, content: bytes, says: str
) -> None:
    account = tmp_path / "account.json"
    account.write_bytes(content)
    result = invoke([*PREVIEW, "--channel", "sms", "--account", str(account)])
    line = one_line_error(result, 2)
    assert "--account" in result.output, result.output
    assert says in line


@pytest.mark.parametrize("days", ["nan", "inf", "1e308"])
def test_an_evaluation_window_must_be_a_finite_number_of_days(days: str, tmp_path: Path) -> None:
    log = tmp_path / "decisions.ndjson"
    log.write_bytes(b"")
    policy = tmp_path / "acme.toml"
    policy.write_text('version = "v1"\n')
    args = ["evaluate", "--policy", str(policy), "--decisions", str(log), "--window-days", days]
    result = invoke(args)
    one_line_error(result, 2)
    assert "--window-days" in result.output


def test_a_replay_since_after_until_is_refused_not_an_empty_replay() -> None:
    args = [
        "webhooks",
        "replay",
        "--endpoint",
        "ep-1",
        "--since",
        "2026-02-01",
        "--until",
        "2026-01-01",
    ]
    result = invoke(args, {"RECAUDO_REDIS_URL": closed_redis()})
    one_line_error(result, 2)
    assert "--since is after --until" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["rebuild-state"],
        [
            "import",
            str(EXAMPLES / "accounts.csv"),
            "--mapping",
            str(EXAMPLES / "accounts.toml"),
            "--quiet",
        ],
    ],
)
def test_a_broker_that_never_answers_leaves_no_client_open(args: list[str]) -> None:
    """A start cut short closes what it opened: ``rebuild-state`` printed aiokafka's
    "Unclosed AIOKafkaConsumer" error after its own one-line error."""
    env = clean_env(
        RECAUDO_REDIS_URL=closed_redis(),
        RECAUDO_BROKER_URL=f"kafka://svc:{CANARY}@127.0.0.1:{free_port()}",
    )
    done = run_recaudo(args, env)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert errors, done.stderr
    assert errors[-1].startswith("Error: the broker is unreachable"), done.stderr
    assert "Unclosed" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert CANARY not in done.stderr + done.stdout
