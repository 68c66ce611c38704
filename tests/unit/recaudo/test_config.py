"""Settings parsing that operators get wrong: API keys and provider rates."""

from __future__ import annotations

import pytest

from recaudo.foundation.config import Settings


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
