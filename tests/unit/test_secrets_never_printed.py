"""Configuration errors name the variable and the problem, never the value; no
URL credential is printed by ``recaudo config``, start-up or any log line."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
import structlog
from click.testing import CliRunner

from recaudo.channels.credentials import load_credentials
from recaudo.cli import main
from recaudo.embedded import free_port
from recaudo.foundation.config import DEV_PAY_LINK_SECRET, MIN_PAY_LINK_SECRET, load_settings
from recaudo.foundation.errors import ConfigError
from recaudo.foundation.redact import mask_url, redact
from recaudo.logs import configure_logging

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


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECAUDO_")}
    return {**env, **extra}


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "redis://cache.internal:6379/0?password=CANARY-1&db=0",
            "redis://cache.internal:6379/0?password=****&db=0",
        ),
        ("redis://svc:CANARY/2/x@cache:6379/0", "redis://svc:****@cache:6379/0"),
        ("rediss://:CANARY-3?#@cache:6380", "rediss://:****@cache:6380"),
        ("https://CANARY-4@git.example.com/x", "https://****@git.example.com/x"),
        ("kafka://h1:9092;h2:9092", "kafka://h1:9092;h2:9092"),
        (
            "https://x.example/cb?api_key=CANARY-5&sig=CANARY-6",
            "https://x.example/cb?api_key=****&sig=****",
        ),
        # Quotes and angle brackets end a URL in free text, but not in its password.
        ('redis://default:CANARY"7@cache:6379/0', "redis://default:****@cache:6379/0"),
        ("kafka://alice:CANARY'8@h1:9092", "kafka://alice:****@h1:9092"),
        ("redis://u:CANARY<9>@cache", "redis://u:****@cache"),
    ],
)
def test_every_credential_part_of_a_url_is_masked(url: str, shown: str) -> None:
    assert mask_url(url) == shown
    assert redact(f"connect to {url} failed") == f"connect to {shown} failed"
    if '"' not in url:
        assert redact(f'connect to "{url}" failed') == f'connect to "{shown}" failed'
    # As a JSON log line writes it: the quote escaped.
    escaped = url.replace('"', '\\"')
    assert "CANARY" not in redact(f'{{"event": "connect", "url": "{escaped}"}}')


def test_config_masks_query_passwords_and_passwords_with_a_slash() -> None:
    env = clean_env(
        RECAUDO_REDIS_URL="redis://cache.internal:6379/0?password=CANARY-query&db=0",
        RECAUDO_BROKER_URL="kafka://svc:CANARY/slash@broker:9092",
        RECAUDO_PUBLIC_BASE_URL="https://CANARY-userinfo@pay.example.com",
    )
    result = CliRunner().invoke(main, ["config"], env=env)
    assert result.exit_code == 0, result.output
    assert "CANARY" not in result.output
    shown = orjson.loads(result.output)
    assert shown["RECAUDO_REDIS_URL"] == "redis://cache.internal:6379/0?password=****&db=0"
    assert shown["RECAUDO_BROKER_URL"] == "kafka://svc:****@broker:9092"


def test_config_masks_a_password_with_a_space_or_a_quote() -> None:
    """A setting is a URL from end to end: whatever its password holds, it is masked."""
    env = clean_env(
        RECAUDO_REDIS_URL='redis://default:CANARY "q" x@cache:6379/0',
        RECAUDO_BROKER_URL="kafka://alice:CANARY's@broker:9092",
    )
    result = CliRunner().invoke(main, ["config"], env=env)
    assert result.exit_code == 0, result.output
    assert "CANARY" not in result.output
    shown = orjson.loads(result.output)
    assert shown["RECAUDO_REDIS_URL"] == "redis://default:****@cache:6379/0"


def test_a_sender_given_to_two_tenants_is_a_startup_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its replies would all go to one tenant: the other's opt-outs lost."""
    monkeypatch.setenv("RECAUDO_TENANT_SENDERS", "acme=+15550001,globex=+15550001|+15550002")
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "RECAUDO_TENANT_SENDERS" in message
    assert "'+15550001'" in message
    assert "'acme'" in message
    assert "'globex'" in message


def test_every_log_line_is_redacted_whoever_logs_it() -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    out = io.StringIO()
    try:
        configure_logging("info", stream=out)
        logging.getLogger("aiokafka").error('Unable connect to "%s"', "svc:CANARY-1@broker:9092")
        structlog.get_logger("recaudo").warning("redis", url="redis://:CANARY-2@cache:6379/0")
        try:
            raise OSError("cannot reach redis://cache:6379/0?password=CANARY-3")
        except OSError:
            logging.getLogger("redis").exception("lost")
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        structlog.reset_defaults()
    lines = out.getvalue()
    assert lines.count("\n") >= 3
    assert "CANARY" not in lines
    assert "svc:****@broker:9092" in lines


def test_web_never_prints_the_broker_or_redis_password() -> None:
    """The real ``recaudo web`` against nothing listening: aiokafka logs "Unable
    connect to" with the broker it was given, then the start fails."""
    env = clean_env(
        RECAUDO_BROKER_URL=f"kafka://svc:CANARY-broker@127.0.0.1:{free_port()}",
        RECAUDO_REDIS_URL=f"redis://:CANARY-redis@127.0.0.1:{free_port()}/0",
        RECAUDO_WEB_PORT=str(free_port()),
    )
    result = subprocess.run(
        [sys.executable, "-m", "recaudo", "web"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Unable connect to" in output, output[-2000:]
    assert "CANARY" not in output


@pytest.mark.parametrize("command", ["web", "worker", "config"])
@pytest.mark.parametrize("secret", [None, DEV_PAY_LINK_SECRET, "short-CANARY-secret"])
def test_production_refuses_the_published_or_a_short_pay_link_secret(
    command: str, secret: str | None
) -> None:
    env = clean_env(RECAUDO_ENVIRONMENT="production")
    if secret is not None:
        env["RECAUDO_PAY_LINK_SECRET"] = secret
    result = CliRunner().invoke(main, [command], env=env)
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "RECAUDO_PAY_LINK_SECRET" in result.output
    assert "CANARY" not in result.output


def test_a_long_pay_link_secret_starts_in_production_and_the_default_elsewhere() -> None:
    strong = "x" * MIN_PAY_LINK_SECRET
    assert load_settings({"RECAUDO_ENVIRONMENT": "production", "RECAUDO_PAY_LINK_SECRET": strong})
    assert load_settings({"RECAUDO_ENVIRONMENT": "staging"})
    assert load_settings({}).pay_link_secret.get_secret_value() == DEV_PAY_LINK_SECRET
