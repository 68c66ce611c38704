"""Configuration errors name the variable and the problem, never the value."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from recaudo.channels.credentials import load_credentials
from recaudo.cli import main
from recaudo.foundation.config import load_settings
from recaudo.foundation.errors import ConfigError

SECRET = "sk_live_do-not-print-me"


def test_a_bad_setting_names_the_variable_not_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECAUDO_WEB_PORT", SECRET)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "RECAUDO_WEB_PORT" in str(info.value)
    assert SECRET not in str(info.value)
    result = CliRunner().invoke(main, ["web"])
    assert result.exit_code != 0
    assert "RECAUDO_WEB_PORT" in result.output
    assert SECRET not in result.output


def test_an_api_key_given_to_two_tenants_is_a_startup_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RECAUDO_API_KEYS", f"acme:{SECRET},globex:{SECRET}")
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "RECAUDO_API_KEYS" in message
    assert "'acme'" in message
    assert "'globex'" in message
    assert SECRET not in message


def test_provider_credential_errors_never_echo_secrets(tmp_path: Path) -> None:
    path = tmp_path / "providers.json"
    bad = {"twilio": {"account_sid": "AC1", "auth_token": [SECRET], "sms_from": "+1"}}
    path.write_bytes(orjson.dumps(bad))
    with pytest.raises(ConfigError) as info:
        load_credentials(path)
    assert "twilio.auth_token" in str(info.value)
    assert SECRET not in str(info.value)
    assert SECRET not in repr(info.value.__cause__)
    path.write_bytes(b'{"twilio": {"auth_token": "' + SECRET.encode() + b'"')
    with pytest.raises(ConfigError) as info:
        load_credentials(path)
    assert SECRET not in str(info.value)
