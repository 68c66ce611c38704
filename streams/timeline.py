"""The debtor's recent decisions as Redis keeps them: where they are on the topic.

The decisions topic is the audit log: every decision in full, kept as long as
the topic is. Redis holds an index of the last ones, lines of the debtor's
log (``streams.debtor_log``), for the ops page and ``GET
/v1/debtors/{id}/timeline`` (the last ``RECENT``): a decision the worker
published is stored as its position, ``<partition>:<offset>`` (~10 bytes,
not a second copy of the record), which the web process reads back from the
topic (``foundation.record_reader``). A decision made where no broker acknowledged
it (a backtest, a test of the stage alone) is stored as a compact entry: a
positional JSON list of what a person reads there (when, what, on which
channel, why, after what), ~150 bytes against the record's ~900.

Layout (list positions; trailing empty ones left out)::

    0 decision_id  1 decided_at (epoch s)  2 action  3 channel  4 trigger_type
    5 trigger_event_id  6 deciding reasons [[rule_id, params, citation], ...]
    7 rules passed with result "ok"  8 rules passed with result "open" (windows)
    9 latency_s  10 policy_version  11 contact_id  12 account_id
    13 defer_until (epoch s)  14 purpose (only when not "collection")

For a compact entry, two fields are written shorter than the record has them, and read back whole:

- decision_id: the decision stage names decision n of an event
  ``stable_id(tenant, trigger_event_id, n)`` (``decision_context``); such an id
  is stored as the number n (24 characters fewer), any other id as itself.
- policy_version: the same ~40 characters on every entry, so it is stored as 0
  and a header line ``@<policy_version>`` after the entries (oldest first, as
  written; above them read newest first) names it for every entry up to the
  previous header (``timeline_lines``; ``streams.store`` says it once per run).

A passed rule keeps its id only: its citation and parameters are on the topic.
Older entries (an inline policy version and decision id, or a JSON object per
decision) are still read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

import orjson

from recaudo.contracts.outputs import Decision
from recaudo.streams.decision.context import stable_id

DebtorRef = tuple[str, str]

#: Decisions the recent view shows at most (newest first); older ones are on the
#: decisions topic. Stored one a line (orjson never writes a raw newline).
RECENT = 50

_PASSED = ("ok", "open")

#: A stored line naming the policy version of the entries below it.
HEADER = b"@"

#: A decision's place on the decisions topic: (partition, offset).
Position = tuple[int, int]

# Decisions per event tried when shortening a decision id (one or two is usual).
_SEQ_TRIED = 4


def timeline_lines(
    decisions: list[Decision], positions: Mapping[str, Position] | None = None
) -> list[bytes]:
    """Lines oldest first: a decision at a known position (by decision id) as that
    position, any other as an entry, each run of one policy version among the
    entries followed by its header."""
    known = positions or {}
    lines: list[bytes] = []
    # The policy version of each entry's next entry (None after the last one).
    entries = [d for d in decisions if d.decision_id not in known]
    after = {id(d): n.policy_version for d, n in pairwise(entries)}
    for decision in decisions:
        at = known.get(decision.decision_id)
        if at is not None:
            lines.append(b"%d:%d" % at)
            continue
        lines.append(timeline_entry(decision, versioned=False))
        if after.get(id(decision)) != decision.policy_version:
            lines.append(HEADER + decision.policy_version.encode())
    return lines


def position(line: bytes) -> Position | None:
    """The topic position a stored line names, if it is a pointer."""
    if not line[:1].isdigit():
        return None
    partition, _, offset = line.partition(b":")
    return int(partition), int(offset)


def _short_id(decision: Decision) -> str | int:
    for seq in range(1, _SEQ_TRIED + 1):
        if stable_id(decision.tenant_id, decision.trigger_event_id, str(seq)) == (
            decision.decision_id
        ):
            return seq
    return decision.decision_id


def timeline_entry(decision: Decision, versioned: bool = True) -> bytes:
    """A decision as the debtor's recent view keeps it (see the module docstring).

    ``versioned=False`` leaves the policy version to a header line (``timeline_lines``).
    """
    deciding: list[list[Any]] = []
    passed: dict[str, list[str]] = {"ok": [], "open": []}
    for reason in decision.reasons:
        result = reason.params.get("result")
        if isinstance(result, str) and result in _PASSED:
            passed[result].append(reason.rule_id)
            continue
        item: list[Any] = [reason.rule_id, dict(reason.params)]
        if reason.citation:
            item.append(reason.citation)
        deciding.append(item)
    row: list[Any] = [
        _short_id(decision),
        round(decision.decided_at.timestamp(), 3),
        decision.action.value,
        decision.channel.value if decision.channel else None,
        decision.trigger_type,
        decision.trigger_event_id,
        deciding,
        passed["ok"],
        passed["open"],
        round(decision.latency_s, 3),
        decision.policy_version if versioned else 0,
        decision.contact_id,
        decision.account_id,
        decision.defer_until.timestamp() if decision.defer_until else None,
        None if decision.purpose == "collection" else decision.purpose,
    ]
    while row and row[-1] in (None, []):
        row.pop()
    return orjson.dumps(row)


def timeline_records(
    lines: list[bytes], ref: DebtorRef, fetched: Mapping[Position, bytes] | None = None
) -> list[dict[str, object]]:
    """Stored lines (newest first) as the endpoint shows them.

    ``fetched``: the records the pointers name, read from the decisions topic.
    A pointer to nothing (past the topic's retention), or to another debtor's
    record (never written so; refused all the same), shows nothing.
    """
    out: list[dict[str, object]] = []
    version: str | None = None
    for line in lines:
        at = position(line)
        if at is not None:
            raw = (fetched or {}).get(at)
            record = orjson.loads(raw) if raw else None
            if isinstance(record, dict) and (
                (record.get("tenant_id"), record.get("debtor_id")) == ref
            ):
                out.append(record)
        elif line[:1] == HEADER:
            version = line[1:].decode()
        elif line:
            out.append(timeline_record(line, ref, version))
    return out


def timeline_record(raw: bytes, ref: DebtorRef, version: str | None = None) -> dict[str, object]:
    """A stored entry as the timeline endpoint shows it: the decision's audit fields.

    ``version``: the policy version its header names, for an entry stored without one.
    """
    stored = orjson.loads(raw)
    if isinstance(stored, dict):  # written before the compact layout
        stored.setdefault("tenant_id", ref[0])
        stored.setdefault("debtor_id", ref[1])
        return dict(stored)
    row = list(stored) + [None] * (15 - len(stored))
    reasons: list[dict[str, object]] = [
        {"rule_id": r[0], "params": r[1] if len(r) > 1 else {}, "citation": _at(r, 2)}
        for r in row[6] or []
    ]
    for result, ids in (("ok", row[7]), ("open", row[8])):
        reasons += [
            {"rule_id": rid, "params": {"result": result}, "citation": None} for rid in ids or []
        ]
    decision_id = row[0]
    if isinstance(decision_id, int):
        decision_id = stable_id(ref[0], row[5], str(decision_id))
    record: dict[str, object] = {
        "decision_id": decision_id,
        "tenant_id": ref[0],
        "debtor_id": ref[1],
        "decided_at": _iso(row[1]),
        "action": row[2],
        "channel": row[3],
        "trigger_type": row[4],
        "trigger_event_id": row[5],
        "reasons": reasons,
        "latency_s": row[9] or 0.0,
        "policy_version": row[10] if isinstance(row[10], str) else version,
        "contact_id": row[11],
        "account_id": row[12],
        "defer_until": _iso(row[13]),
        "purpose": row[14] or "collection",
    }
    return record


def _at(items: list[Any], i: int) -> Any:
    return items[i] if len(items) > i else None


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat()
