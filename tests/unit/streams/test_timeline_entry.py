"""The recent view keeps what a person reads about a decision; the topic keeps the rest."""

from __future__ import annotations

import datetime as dt

import orjson

from recaudo.contracts.outputs import Action, Decision, Reason
from recaudo.streams.timeline import timeline_entry, timeline_record


def _decision() -> Decision:
    return Decision(
        decision_id="dec-1",
        tenant_id="acme",
        debtor_id="d-1",
        account_id="a-1",
        action=Action.DEFER,
        reasons=(
            Reason(
                rule_id="us.reg_f.inconvenient_time",
                params={"zone": "America/New_York"},
                citation="12 CFR 1006.6(b)(1)(i)",
            ),
            Reason(rule_id="us.reg_f.seven_in_seven", params={"result": "ok"}, citation="x"),
            Reason(rule_id="window.local", params={"result": "open", "zone": "ET"}),
        ),
        channel="sms",
        defer_until=dt.datetime(2026, 11, 19, 13, 0, tzinfo=dt.UTC),
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


def test_a_recent_entry_keeps_the_audit_view_in_a_fraction_of_the_decision() -> None:
    decision = _decision()
    raw = timeline_entry(decision)
    assert len(raw) * 3 < len(decision.model_dump_json())
    record = timeline_record(raw, ("acme", "d-1"))
    shown = Decision.model_validate(record)
    assert shown.model_dump(include={"decision_id", "action", "channel", "account_id"}) == {
        "decision_id": "dec-1",
        "action": Action.DEFER,
        "channel": "sms",
        "account_id": "a-1",
    }
    assert (shown.decided_at, shown.defer_until) == (decision.decided_at, decision.defer_until)
    assert (shown.trigger_type, shown.trigger_event_id) == ("account", "ev-1")
    assert shown.policy_version == "2025.1"
    # The deciding rule whole; passed rules by id, with the result the ops page groups by.
    assert shown.reasons == (
        decision.reasons[0],
        Reason(rule_id="us.reg_f.seven_in_seven", params={"result": "ok"}),
        Reason(rule_id="window.local", params={"result": "open"}),
    )
    # The evaluation log is the topic's alone.
    assert (shown.model_versions, shown.scores, shown.features, shown.propensity) == (
        {},
        {},
        {},
        None,
    )


def test_entries_written_as_whole_records_are_still_read() -> None:
    old = orjson.dumps({"decision_id": "d0", "action": "suppress", "reasons": []})
    record = timeline_record(old, ("acme", "d-1"))
    assert record == {
        "decision_id": "d0",
        "action": "suppress",
        "reasons": [],
        "tenant_id": "acme",
        "debtor_id": "d-1",
    }


def test_the_decision_stages_own_ids_and_versions_are_stored_short() -> None:
    from recaudo.streams.decision.context import stable_id
    from recaudo.streams.timeline import timeline_lines, timeline_records

    mine = _decision().model_copy(update={"decision_id": stable_id("acme", "ev-1", "2")})
    lines = timeline_lines([mine, _decision()])
    assert lines[0].startswith(b"[2,")
    assert lines[1].startswith(b'["dec-1",')
    assert lines[2] == b"@2025.1"
    assert b"2025.1" not in lines[0] + lines[1]
    records = timeline_records(list(reversed(lines)), ("acme", "d-1"))
    assert [(r["decision_id"], r["policy_version"]) for r in records] == [
        ("dec-1", "2025.1"),
        (mine.decision_id, "2025.1"),
    ]
