"""One builder of dead letters and one policy for what they say (contracts.dead_letters)."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from recaudo.contracts.dead_letters import dead_letter, failure, tenant_in, validated
from recaudo.contracts.outputs import Release
from recaudo.contracts.validation_errors import describe, first
from recaudo.foundation.errors import DecisionError, InvalidEvent, UnknownTenant

AT = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)


def test_a_record_that_is_not_json_says_so() -> None:
    with pytest.raises(InvalidEvent, match=r"^not valid JSON: "):
        validated(b"{", Release.model_validate)


def test_a_record_that_breaks_its_contract_names_each_field() -> None:
    with pytest.raises(InvalidEvent) as caught:
        validated(b'{"event_id": "e-1"}', Release.model_validate)
    assert "tenant_id: Field required" in str(caught.value)
    assert "; " in str(caught.value)


def test_the_input_keeps_its_words_and_anything_else_is_a_decision_error() -> None:
    invalid = InvalidEvent("bad amount")
    assert failure(invalid) is invalid
    wrapped = failure(KeyError("x"))
    assert isinstance(wrapped, DecisionError)
    assert str(wrapped) == "KeyError: 'x'"


def test_a_letter_from_a_consumed_record() -> None:
    letter = dead_letter(
        "p-accounts",
        b'{"tenant_id": "acme", "x": "\xff"}',
        UnknownTenant("tenant 'acme' is not configured"),
        AT,
        key=b"d-1",
        partition=2,
        offset=7,
        tenant_id=tenant_in(b'{"tenant_id": "acme"}'),
    )
    assert (letter.source_topic, letter.partition, letter.offset, letter.key) == (
        "p-accounts",
        2,
        7,
        "d-1",
    )
    assert (letter.error_type, letter.tenant_id) == ("UnknownTenant", "acme")
    assert letter.payload.endswith('"\ufffd"}')
    assert letter.failed_at == AT


def test_a_letter_for_a_failure_that_is_no_exception() -> None:
    letter = dead_letter("webhooks/twilio", b"{}", ("UnmatchedWebhook", "no contact"), AT)
    assert (letter.error_type, letter.error, letter.key) == ("UnmatchedWebhook", "no contact", None)


@pytest.mark.parametrize("payload", [b"not json", b"[1]", b'{"tenant_id": 3}'])
def test_no_tenant_unless_the_record_names_one(payload: bytes) -> None:
    assert tenant_in(payload) is None


def test_the_whole_record_and_the_first_problem() -> None:
    with pytest.raises(InvalidEvent) as caught:
        validated(b"[]", Release.model_validate)
    exc = caught.value.__cause__
    assert isinstance(exc, ValidationError)
    assert describe(exc).startswith("(root): ")
    assert describe(exc, root="(file)").startswith("(file): ")
    assert not first(exc).startswith("(")
    assert first(exc, root="(record)").startswith("(record): ")
