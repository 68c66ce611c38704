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

A passed rule keeps its id only: its citation and parameters are on the topic.
Entries written before this layout (a JSON object per decision) are still read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from recaudo.streams.outputs import Decision

DebtorRef = tuple[str, str]

#: Decisions kept per debtor (newest first); older ones are on the decisions topic.
#: Stored one a line in one string (orjson never writes a raw newline).
RECENT = 50

_PASSED = ("ok", "open")


def timeline_entry(decision: Decision) -> bytes:
    """A decision as the debtor's recent view keeps it (see the module docstring)."""
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
        decision.decision_id,
        round(decision.decided_at.timestamp(), 3),
        decision.action.value,
        decision.channel.value if decision.channel else None,
        decision.trigger_type,
        decision.trigger_event_id,
        deciding,
        passed["ok"],
        passed["open"],
        round(decision.latency_s, 3),
        decision.policy_version,
        decision.contact_id,
        decision.account_id,
        decision.defer_until.timestamp() if decision.defer_until else None,
        None if decision.purpose == "collection" else decision.purpose,
    ]
    while row and row[-1] in (None, []):
        row.pop()
    return orjson.dumps(row)


def timeline_record(raw: bytes, ref: DebtorRef) -> dict[str, object]:
    """A stored entry as the timeline endpoint shows it: the decision's audit fields."""
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
    record: dict[str, object] = {
        "decision_id": row[0],
        "tenant_id": ref[0],
        "debtor_id": ref[1],
        "decided_at": _iso(row[1]),
        "action": row[2],
        "channel": row[3],
        "trigger_type": row[4],
        "trigger_event_id": row[5],
        "reasons": reasons,
        "latency_s": row[9] or 0.0,
        "policy_version": row[10],
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
