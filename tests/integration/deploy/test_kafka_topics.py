"""Topic creation policy against the real broker."""

from __future__ import annotations

import pytest

from recaudo.contracts.topics import Topics
from recaudo.foundation.errors import ConfigError
from recaudo.foundation.kafka_security import ensure_settings_topics
from tests.conftest import SettingsFactory

pytestmark = pytest.mark.integration


async def test_no_create_names_the_missing_topics_then_accepts_existing_ones(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings(topic_allow_create=False)
    names = Topics(settings.topic_prefix).all
    with pytest.raises(ConfigError, match=f"RECAUDO_TOPIC_ALLOW_CREATE is off: {names[0]}"):
        await ensure_settings_topics(settings, names)
    await ensure_settings_topics(settings.model_copy(update={"topic_allow_create": True}), names)
    await ensure_settings_topics(settings, names)  # all there now: no error, nothing created
