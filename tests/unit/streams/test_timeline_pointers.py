"""A published decision is kept in Redis as its place on the topic, not as a copy."""

from __future__ import annotations

from recaudo.contracts.codec import encode
from recaudo.contracts.outputs import Decision
from recaudo.streams.timeline import HEADER, position, timeline_lines, timeline_records
from tests.conftest import suppression

REF = ("acme", "d-1")


def test_a_published_decision_is_stored_as_its_position() -> None:
    lines = timeline_lines(
        [suppression(1), suppression(2)], {"dec-d-1-1": (3, 1234), "dec-d-1-2": (3, 1240)}
    )
    assert lines == [b"3:1234", b"3:1240"]
    assert [position(line) for line in lines] == [(3, 1234), (3, 1240)]
    assert position(HEADER + b"v1") is None
    assert position(b'["x",1]') is None


def test_an_unpublished_decision_keeps_its_entry_and_version_header() -> None:
    lines = timeline_lines(
        [suppression(1), suppression(2, version="v2"), suppression(3, version="v2")],
        {"dec-d-1-2": (0, 7)},
    )
    # Oldest first: each run of one version among the entries ends in its header.
    assert [line[:1] for line in lines] == [b"[", b"@", b"0", b"[", b"@"]
    assert (lines[1], lines[2], lines[4]) == (HEADER + b"v1", b"0:7", HEADER + b"v2")


def test_records_come_from_the_topic_and_only_the_debtor_s_own() -> None:
    mine, other = suppression(1), suppression(2, debtor="d-2")
    newest_first = [b"0:9", b"0:8", b"0:5", *reversed(timeline_lines([suppression(3)]))]
    fetched = {(0, 9): encode(mine), (0, 8): encode(other)}  # (0, 5): past retention
    shown = timeline_records(newest_first, REF, fetched)
    assert [r["decision_id"] for r in shown] == ["dec-d-1-1", "dec-d-1-3"]
    assert Decision.model_validate(shown[0]) == mine
    assert shown[1]["policy_version"] == "v1"
