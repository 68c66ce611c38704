"""The debtor's recent decisions as Redis keeps them: compact tuples, the newest few.

The decisions topic is the audit log: every decision in full, kept as long as
the topic is. Redis holds a second, bounded view for the ops page and
``GET /v1/debtors/{id}/timeline``: the last ``RECENT`` decisions, each a
positional JSON list of what a person reads there (when, what, on which
channel, why, after what) instead of the whole record. A decision's full form
was ~900 bytes of a debtor's Redis memory; this one is ~150.

Layout (list positions; trailing empty ones left out)::

    0 decision_id  1 decided_at (epoch s)  2 action  3 channel  4 trigger_type
    5 trigger_event_id  6 deciding reasons [[rule_id, params, citation], ...]
    7 rules passed with result "ok"  8 rules passed with result "open" (windows)
    9 latency_s  10 policy_version  11 contact_id  12 account_id
    13 defer_until (epoch s)  14 purpose (only when not "collection")

Two fields are written shorter than the record has them, and read back whole:

- decision_id: the decision stage names decision n of an event
  ``stable_id(tenant, trigger_event_id, n)`` (``decision_context``); such an id
  is stored as the number n (24 characters fewer), any other id as itself.
- policy_version: the same ~40 characters on every entry, so it is stored as 0
  and a header line ``@<policy_version>`` above the entries (newest first)
  names it for every entry below it down to the next header
  (``streams.store`` writes and merges the headers: ``timeline_lines``).

A passed rule keeps its id only: its citation and parameters are on the topic.
Older entries (an inline policy version and decision id, or a JSON object per
decision) are still read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from recaudo.streams.decision_context import stable_id
from recaudo.streams.outputs import Decision

DebtorRef = tuple[str, str]

#: Decisions kept per debtor (newest first); older ones are on the decisions topic.
#: Stored one a line in one string (orjson never writes a raw newline).
RECENT = 50

_PASSED = ("ok", "open")

#: A stored line naming the policy version of the entries below it.
HEADER = b"@"

# Decisions per event tried when shortening a decision id (one or two is usual).
_SEQ_TRIED = 4


def timeline_lines(decisions: list[Decision]) -> list[bytes]:
    """Entries oldest first, each run of one policy version followed by its header."""
    lines: list[bytes] = []
    for i, decision in enumerate(decisions):
        lines.append(timeline_entry(decision, versioned=False))
        version = decision.policy_version
        if i + 1 == len(decisions) or decisions[i + 1].policy_version != version:
            lines.append(HEADER + version.encode())
    return lines


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


def timeline_records(lines: list[bytes], ref: DebtorRef) -> list[dict[str, object]]:
    """Stored lines (entries and version headers, newest first) as the endpoint shows them."""
    out: list[dict[str, object]] = []
    version: str | None = None
    for line in lines:
        if line[:1] == HEADER:
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
