"""What ``recaudo demo`` prints for each simulated day: what changed, in words.

One block per day of the simulated clock (UTC), numbered from the demo's first
day so the number and the date agree: the decisions of that day by action, the
messages sent by channel, what the simulated world did, the commonest reasons
(the rule that decided, its id and its words; a contact passed every rule it
was checked against, so it counts as "every rule checked allowed it"), and
the day's last message whole (wrapped at spaces, never inside a word or a
link), with whom it went to.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from recaudo.rules.reasons import describe

WIDTH = 100
INDENT = " " * 13
#: What the world's events are, for a person.
FED_LABELS = {
    "account": "account updates",
    "payment": "payments",
    "response": "replies and outcomes",
    "delivery": "delivery receipts",
}


class Sent(Protocol):
    """A message as the sandbox received it (``channels.sandbox.core.SentMessage``)."""

    provider: str
    channel: str
    to: str
    text: str
    subject: str | None


@dataclass(frozen=True, slots=True)
class Debtor:
    debtor_id: str
    jurisdiction: str
    language: str


@dataclass
class Tally:
    """What happened since the last block was printed."""

    decisions: Counter[str] = field(default_factory=Counter)
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)  # (action, rule id)
    fed: Counter[str] = field(default_factory=Counter)
    contacts: int = 0


#: The reason of a decision no rule stood in the way of (every rule checked passed).
ALL_PASSED = ""


def deciding_rule(reasons: Sequence[dict[str, Any]]) -> str:
    """The first rule that decided (a contact's reasons are the rules it passed)."""
    for reason in reasons:
        if reason.get("params", {}).get("outcome") != "passed":
            return str(reason["rule_id"])
    return ALL_PASSED


def day_number(first: dt.date, day: dt.date) -> int:
    return (day - first).days + 1


def counts(counter: Counter[str], labels: dict[str, str] | None = None) -> str:
    if not counter:
        return "none"
    names = labels or {}
    return " · ".join(f"{v:,} {names.get(k, k)}" for k, v in counter.most_common())


def wrapped(text: str, indent: str = INDENT) -> list[str]:
    """Every line of ``text`` whole, wrapped at spaces only (a link stays one piece)."""
    out: list[str] = []
    for line in text.splitlines() or [""]:
        out += textwrap.wrap(
            line,
            WIDTH,
            initial_indent=indent,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [indent.rstrip()]
    return out


def message_lines(message: Sent, debtor: Debtor | None) -> list[str]:
    who = (
        f"debtor {debtor.debtor_id} ({debtor.jurisdiction}, {debtor.language})"
        if debtor
        else message.to
    )
    lines = [f"  last sent  {message.channel} via {message.provider} to {who}:"]
    if message.subject:
        lines += wrapped(f"Subject: {message.subject}")
    return lines + wrapped(message.text)


def day_title(first: dt.date, start: dt.date, end: dt.date) -> str:
    """``Day 3, Wed 2026-03-04``, or ``Days 3-4, ...`` for days that ended together."""
    if end <= start:
        return f"Day {day_number(first, start)}, {start:%a %Y-%m-%d}"
    numbers = f"{day_number(first, start)}-{day_number(first, end)}"
    return f"Days {numbers}, {start:%a %Y-%m-%d} to {end:%a %Y-%m-%d}"


def day_block(
    title: str,
    tally: Tally,
    sent: Sequence[Sent],
    debtor_of: dict[str, Debtor],
    top: int = 3,
) -> str:
    """What ``tally`` and the messages ``sent`` in the same span say, under ``title``."""
    by_channel = Counter(m.channel for m in sent)
    lines = [
        title,
        f"  decisions  {counts(tally.decisions)}",
        f"  sent       {len(sent):,} messages" + (f" ({counts(by_channel)})" if sent else ""),
        f"  the world  {counts(tally.fed, FED_LABELS)}",
    ]
    for i, ((action, rule_id), n) in enumerate(tally.reasons.most_common(top)):
        label = "  reasons    " if i == 0 else INDENT
        if rule_id == ALL_PASSED:
            lines.append(f"{label}{n:,} {action}: every rule checked allowed it")
            continue
        words = describe(rule_id)
        lines.append(f"{label}{n:,} {action}: {rule_id}" + (f" — {words}" if words else ""))
    if sent:
        last = sent[-1]
        lines += message_lines(last, debtor_of.get(last.to))
    return "\n".join(lines)
