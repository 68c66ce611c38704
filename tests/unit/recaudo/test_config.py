"""Settings parsing that operators get wrong: API keys and provider rates."""

from __future__ import annotations

import pytest

from recaudo.foundation.config import Settings, load_settings
from recaudo.foundation.errors import ConfigError


def test_api_keys_map_each_key_to_its_tenant() -> None:
    settings = Settings(api_keys=" acme:k1 , globex:k2,broken")
    assert settings.tenant_keys() == {"k1": "acme", "k2": "globex"}


def test_provider_rates_parse_and_reject_garbage() -> None:
    assert Settings(provider_rates="twilio=50:100, sendgrid=200").rates() == {
        "twilio": (50.0, 100),
        "sendgrid": (200.0, 1),
    }
    with pytest.raises(ValueError, match="bad entry 'twilio=fast'"):
        Settings(provider_rates="twilio=fast").rates()


def test_settings_come_from_recaudo_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RECAUDO_TOPIC_PARTITIONS", "12")
    monkeypatch.setenv("RECAUDO_LEARNING", "false")
    settings = Settings()
    assert settings.topic_partitions == 12
    assert settings.learning is False
    with pytest.raises(ValueError, match="frozen"):
        settings.topic_partitions = 3  # type: ignore[misc]


def test_public_base_url_follows_the_web_port_unless_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pay links point at the port the web serves on: a dev stack on :9090 keeps them working."""
    for name in ("RECAUDO_WEB_PORT", "RECAUDO_PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().public_base_url == "http://127.0.0.1:8080"
    assert Settings(web_port=9090).public_base_url == "http://127.0.0.1:9090"
    monkeypatch.setenv("RECAUDO_WEB_PORT", "9091")
    assert load_settings().public_base_url == "http://127.0.0.1:9091"
    assert load_settings({"RECAUDO_WEB_PORT": "9092"}).public_base_url == "http://127.0.0.1:9092"
    monkeypatch.setenv("RECAUDO_PUBLIC_BASE_URL", "https://pay.acme.example")
    assert load_settings().public_base_url == "https://pay.acme.example", "set: kept as given"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("RECAUDO_REDIS_URL", "not-a-url"),
        ("RECAUDO_REDIS_URL", "http://127.0.0.1:6379"),
        ("RECAUDO_WEB_PORT", "-1"),
        ("RECAUDO_WORKER_WEB_PORT", "70000"),
        ("RECAUDO_CLOCK_SPEED", "inf"),
        ("RECAUDO_SCHEDULE_TICK_S", "nan"),
        ("RECAUDO_DEDUPE_TTL_S", "-5"),
        ("RECAUDO_CONTACT_TTL_S", "0"),
    ],
)
def test_a_value_no_process_could_run_on_is_refused_naming_the_variable(
    variable: str, value: str
) -> None:
    """Refused at start, naming the variable (never the value): these used to pass and
    fail later inside the Redis client, a bind or a run half-way."""
    with pytest.raises(ConfigError) as refused:
        load_settings({variable: value})
    assert variable in str(refused.value)
    assert value not in str(refused.value)


@pytest.mark.parametrize(
    "url", ["redis://h:6379/0", "rediss://h", "unix:///tmp/redis.sock", "redis+cluster://h:7000"]
)
def test_each_redis_url_scheme_in_use_is_taken(url: str) -> None:
    assert load_settings({"RECAUDO_REDIS_URL": url}).redis_url == url
