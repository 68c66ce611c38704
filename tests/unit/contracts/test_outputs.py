"""A decision's reasons are plain records inside the stage, the same JSON outside it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from recaudo.contracts.codec import encode
from recaudo.contracts.outputs import Action, Decision, Reason

AT = dt.datetime(2025, 6, 10, 12, tzinfo=dt.UTC)


def _decision(*reasons: Reason) -> Decision:
    # As the stage builds it: no validation on the way out (streams.decision.log).
    return Decision.model_construct(
        decision_id="dec-1",
        tenant_id="acme",
        debtor_id="d-1",
        action=Action.SUPPRESS,
        reasons=reasons,
        policy_version="2025.1",
        trigger_event_id="ev-1",
        trigger_type="account",
        decided_at=AT,
        latency_s=0.0,
    )


def test_reasons_dump_as_records_and_read_back_equal() -> None:
    decision = _decision(
        Reason(rule_id="suppress.dispute", params={"kind": "law", "seen": 2}, citation="x"),
        Reason(rule_id="task.open"),
    )
    raw = encode(decision)
    assert orjson.loads(raw)["reasons"] == [
        {"rule_id": "suppress.dispute", "params": {"kind": "law", "seen": 2}, "citation": "x"},
        {"rule_id": "task.open", "params": {}, "citation": None},
    ]
    back = Decision.model_validate_json(raw)
    assert back == decision
    assert all(type(r) is Reason for r in back.reasons)


@pytest.mark.parametrize(
    ("reason", "field"),
    [
        ({"rule_id": ""}, "reasons.0.rule_id"),
        ({"rule_id": "r" * 97}, "reasons.0.rule_id"),
        ({"rule_id": "r", "why": "typo"}, "reasons.0.why"),
        ({"rule_id": "r", "params": {"at": [1]}}, "reasons.0.params.at"),
    ],
)
def test_a_consumer_reading_a_decision_still_checks_its_reasons(
    reason: dict[str, Any], field: str
) -> None:
    record = orjson.loads(encode(_decision(Reason(rule_id="ok"))))
    record["reasons"] = [reason]
    with pytest.raises(ValidationError) as info:
        Decision.model_validate(record)
    locs = [".".join(map(str, e["loc"])) for e in info.value.errors()]
    assert locs
    assert all(loc.startswith(field) for loc in locs), locs
