"""Rules as data: every legal or policy rule has an id, a citation and a version.

A rule's ``kind`` says where its numbers come from: ``law`` (the statute or
regulation states them; a tenant may only add stricter rules on top) or
``policy_default`` (the law states a principle but no number; the number is our
default and a tenant policy may change it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import JsonScalar, Reason

RuleKind = Literal["law", "policy_default", "tenant"]
ALL_CHANNELS: frozenset[Channel] = frozenset(Channel)


@dataclass(frozen=True, slots=True)
class Rule:
    """A named rule; ``reason`` turns it into the audit record of a verdict."""

    id: str
    citation: str
    version: str = "1"
    kind: RuleKind = "law"

    def reason(self, **params: JsonScalar) -> Reason:
        return Reason(
            rule_id=self.id,
            citation=self.citation,
            params={"kind": self.kind, "version": self.version, **params},
        )


@dataclass(frozen=True, slots=True)
class Cap:
    """At most ``limit`` contacts on ``channels`` within any rolling ``window``.

    ``per_debt``: only contacts about the same debt count (Reg F 1006.14(b)(2)).
    ``calendar_day``: the window is the debtor's local calendar day, not a
    rolling 24 hours (Colombia's "el mismo día"); ``window`` must be one day.
    """

    rule: Rule
    limit: int
    window: dt.timedelta
    channels: frozenset[Channel] = ALL_CHANNELS
    per_debt: bool = False
    calendar_day: bool = False

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= dt.timedelta(0):
            raise ValueError(f"cap {self.rule.id}: limit and window must be positive")
        if self.calendar_day and self.window != dt.timedelta(days=1):
            raise ValueError(f"cap {self.rule.id}: a calendar-day cap has a one-day window")

    @property
    def rolling(self) -> bool:
        """Counted by rolling-window arithmetic over the debtor's whole history
        (what the Redis ledger can enforce atomically)."""
        return not (self.per_debt or self.calendar_day)

    @property
    def id(self) -> str:
        return self.rule.id

    def applies_to(self, channel: Channel) -> bool:
        return channel in self.channels

    def params(self) -> dict[str, JsonScalar]:
        out: dict[str, JsonScalar] = {
            "limit": self.limit,
            "window_s": int(self.window.total_seconds()),
            "channels": ",".join(sorted(self.channels)),
        }
        if self.per_debt:
            out["per_debt"] = True
        if self.calendar_day:
            out["calendar_day"] = True
        return out


@dataclass(frozen=True, slots=True)
class Hours:
    """Allowed local wall-clock interval ``[start, end)`` on one day."""

    start: dt.time
    end: dt.time

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise ValueError(f"hours must start before they end: {self.start}-{self.end}")

    def contains(self, local: dt.time) -> bool:
        return self.start <= local < self.end


def hours(start: str, end: str) -> Hours:
    return Hours(dt.time.fromisoformat(start), dt.time.fromisoformat(end))


@dataclass(frozen=True, slots=True)
class WindowRule:
    """When contact is allowed, in the debtor's local time.

    ``days`` maps ISO weekday (1 = Monday .. 7 = Sunday) to the allowed hours;
    a missing weekday is closed all day. ``skip_holidays`` closes public
    holidays of the jurisdiction (``holidays`` package).
    """

    rule: Rule
    days: dict[int, Hours]
    skip_holidays: bool = False
    channels: frozenset[Channel] = ALL_CHANNELS

    def applies_to(self, channel: Channel) -> bool:
        return channel in self.channels


def every_day(h: Hours) -> dict[int, Hours]:
    return dict.fromkeys(range(1, 8), h)


@dataclass(frozen=True, slots=True)
class Gap:
    """After a history item of ``after_kind`` on ``after_channels``, wait ``days``
    calendar days (local), counting the day of that item as day one.

    ``other_channels_only`` restricts the wait to channels other than the one
    used (Colombia: after direct contact, no *other* channel the same week).
    """

    rule: Rule
    days: int
    after_channels: frozenset[Channel]
    channels: frozenset[Channel]
    after_kind: Literal["attempt", "conversation"] = "conversation"
    per_debt: bool = True
    other_channels_only: bool = False
