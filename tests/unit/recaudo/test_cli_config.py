"""Settings that cannot fail silently: typos and bad values stop the start, in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from recaudo import __version__
from recaudo.cli import main
from recaudo.foundation.config import load_settings, unknown_variables
from recaudo.foundation.errors import ConfigError


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECAUDO_")}
    return {**env, **extra}


def test_a_misspelt_setting_is_named_with_the_real_one() -> None:
    found = unknown_variables({"RECAUDO_PROVIDER_FILE": "/x.json", "RECAUDO_WEB_PORT": "1"})
    assert found == ["RECAUDO_PROVIDER_FILE (did you mean RECAUDO_PROVIDERS_FILE?)"]


def test_the_worker_refuses_to_start_on_a_typo_in_one_line_without_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "recaudo", "worker"],
        env=clean_env(RECAUDO_PROVIDER_FILE="/etc/recaudo/providers.json"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "RECAUDO_PROVIDER_FILE" in lines[0]
    assert "RECAUDO_PROVIDERS_FILE" in lines[0]
    assert "Traceback" not in result.stderr


def test_a_bad_value_names_its_variable() -> None:
    result = CliRunner().invoke(main, ["config"], env=clean_env(RECAUDO_WEB_PORT="eighty"))
    assert result.exit_code != 0
    assert "RECAUDO_WEB_PORT: Input should be a valid integer" in result.output
    assert "eighty" not in result.output, "a value may be a secret: never echoed"
    assert len(result.output.strip().splitlines()) == 1


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_config_prints_effective_settings_with_secrets_masked() -> None:
    env = clean_env(
        RECAUDO_API_KEYS="acme:very-secret-key",
        RECAUDO_REDIS_URL="redis://user:hunter2@redis.internal:6379/0",
        RECAUDO_WEB_PORT="9000",
    )
    result = CliRunner().invoke(main, ["config"], env=env)
    assert result.exit_code == 0, result.output
    shown = orjson.loads(result.output)
    assert shown["RECAUDO_WEB_PORT"] == 9000
    assert shown["RECAUDO_PROVIDERS_FILE"] is None, "defaults are shown too"
    assert "very-secret-key" not in result.output
    assert "hunter2" not in result.output
    assert shown["RECAUDO_REDIS_URL"] == "redis://user:****@redis.internal:6379/0"


def test_a_dry_run_is_a_property_of_the_settings(tmp_path: Path) -> None:
    providers = tmp_path / "providers.json"
    providers.write_text("{}")
    assert load_settings({}).dry_run
    assert not load_settings({"RECAUDO_PROVIDERS_FILE": str(providers)}).dry_run


def test_settings_read_later_are_checked_at_start(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.json")
    with pytest.raises(ConfigError, match=r"RECAUDO_PROVIDERS_FILE='.*nope\.json': the file"):
        load_settings({"RECAUDO_PROVIDERS_FILE": missing})
    with pytest.raises(ConfigError, match="RECAUDO_PROVIDER_RATES: bad entry 'twilio=x'"):
        load_settings({"RECAUDO_PROVIDER_RATES": "twilio=x"})
