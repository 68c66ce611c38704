"""The README's and the schemas' example events are valid, one per input type."""

from __future__ import annotations

from typing import Any

import orjson
from click.testing import CliRunner
from pydantic import TypeAdapter

from recaudo.cli import main
from recaudo.contracts.events import InputEvent
from recaudo.contracts.topics import TOPIC_OF_TYPE
from recaudo.examples import EXAMPLES
from recaudo.web.openapi import build_spec


def test_one_valid_example_per_input_event_type() -> None:
    assert set(EXAMPLES) == set(TOPIC_OF_TYPE)
    for kind, example in EXAMPLES.items():
        event = TypeAdapter(InputEvent).validate_python(example)
        assert event.type == kind
        # Complete: every field the example gives survives, nothing is dropped or renamed.
        dumped = event.model_dump(mode="json", exclude_unset=True)
        assert set(dumped) == set(example), kind


def test_recaudo_schema_lists_each_input_topics_example() -> None:
    result = CliRunner().invoke(main, ["schema"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    schemas: dict[str, Any] = orjson.loads(result.output)
    for kind, topic in TOPIC_OF_TYPE.items():
        assert EXAMPLES[kind] in schemas[topic]["examples"], topic
    # The accounts topic carries snapshots and validation notices, in that order.
    assert schemas["accounts"]["examples"] == [EXAMPLES["account"], EXAMPLES["validation_notice"]]
    assert "examples" not in schemas["decisions"], "outputs are ours to write, not POSTed"


def test_the_openapi_document_shows_each_example_and_the_type_discriminator() -> None:
    spec = build_spec()
    body = spec["paths"]["/v1/events"]["post"]["requestBody"]["content"]["application/json"]
    assert {k: v["value"] for k, v in body["examples"].items()} == EXAMPLES
    schemas = spec["components"]["schemas"]
    for model in (
        "AccountEvent",
        "PaymentEvent",
        "DeliveryEvent",
        "ResponseEvent",
        "ValidationNoticeEvent",
    ):
        assert "type" in schemas[model]["required"], model
        assert "discriminator" in schemas[model]["properties"]["type"]["description"]
