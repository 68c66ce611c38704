"""The timeline keeps the audit view of a decision; the evaluation log stays on the topic."""

from __future__ import annotations

import datetime as dt

from recaudo.streams.outputs import Action, Decision, Reason
from recaudo.streams.store import timeline_entry, timeline_record


def test_a_timeline_entry_is_the_decision_less_what_the_topic_alone_needs() -> None:
    decision = Decision(
        decision_id="dec-1",
        tenant_id="acme",
        debtor_id="d-1",
        action=Action.CONTACT,
        reasons=(Reason(rule_id="us.reg_f.seven_in_seven", params={"outcome": "passed"}),),
        channel="sms",
        model_versions={"bandit": "bandit-ts-v1"},
        scores={"p_pay": 0.4},
        options={"sms": 0.9, "skip": 0.1},
        propensity=0.9,
        features={"dpd": 31},
        policy_version="2025.1",
        trigger_event_id="ev-1",
        trigger_type="account",
        decided_at=dt.datetime(2026, 11, 18, 15, 0, tzinfo=dt.UTC),
        latency_s=0.05,
    )
    raw = timeline_entry(decision)
    full = decision.model_dump(mode="json")
    assert len(raw) < len(Decision.model_validate(full).model_dump_json())
    record = timeline_record(raw, ("acme", "d-1"))
    assert Decision.model_validate(record) == decision.model_copy(
        update={
            "model_versions": {},
            "scores": {},
            "options": {},
            "propensity": None,
            "features": {},
        }
    )
