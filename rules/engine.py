"""Judge a contact proposal: suppressions first, then gaps, windows and caps.

``evaluate`` is pure: it reads the proposal (with its contact history) and a
tenant policy, never a server. A contact that may not go now is deferred to
the earliest instant every window, gap and cap allows, never dropped; only a
suppression stops it. The Redis ``CapLedger`` then enforces the same caps
atomically across workers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import JsonScalar, Reason
from recaudo.rules import rolling
from recaudo.rules.base import ContactProposal, HistoryItem, Verdict
from recaudo.rules.policy import TenantPolicy, default_policy
from recaudo.rules.profiles.base import Profile
from recaudo.rules.rule import Cap, Gap, Rule
from recaudo.rules.suppression import promise_hold, screen
from recaudo.rules.windows import Calendar, closed_rules, first_allowed

#: Windows and caps can push each other forward; they settle long before this.
MAX_ROUNDS = 64

#: A reason not built yet: its rule and params. Most candidate reasons (the
#: checks that passed when the contact is deferred, the blockers found on the
#: way to an allowed instant) end up in no verdict: only those a verdict carries
#: are built, once, with their outcome (there is no copy to add it).
Pending = Reason | tuple[Rule, dict[str, JsonScalar]]


def caps_for(
    jurisdiction: str, channel: Channel, policy: TenantPolicy | None = None
) -> tuple[Cap, ...]:
    """The caps (law, policy defaults, tenant) a contact on ``channel`` must respect."""
    profile = (policy or default_policy()).profile(jurisdiction)
    if profile is None:
        return ()
    return tuple(c for c in profile.caps if c.applies_to(channel))


def _same_debt(p: ContactProposal, item: HistoryItem) -> bool:
    return p.account_id is None or item.account_id is None or p.account_id == item.account_id


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)


def _gap_until(
    p: ContactProposal, gap: Gap, zones: list[ZoneInfo]
) -> tuple[dt.datetime, HistoryItem] | None:
    """When ``gap`` stops blocking ``p`` (latest over its history and zones)."""
    best: tuple[dt.datetime, HistoryItem] | None = None
    for item in p.history:
        if item.kind != gap.after_kind or item.channel not in gap.after_channels:
            continue
        if gap.other_channels_only and item.channel == p.channel:
            continue
        if gap.per_debt and not _same_debt(p, item):
            continue
        for zone in zones:
            day = item.at.astimezone(zone).date() + dt.timedelta(days=gap.days)
            until = _local_midnight(day, zone)
            if until > p.at and (best is None or until > best[0]):
                best = (until, item)
    return best


def _outcome(reason: Pending, outcome: str) -> Reason:
    if isinstance(reason, Reason):
        return replace(reason, params={**reason.params, "outcome": outcome})
    rule, params = reason
    return rule.reason(**params, outcome=outcome)


def _rule_id(reason: Pending) -> str:
    return reason.rule_id if isinstance(reason, Reason) else reason[0].id


def _suppress(reasons: list[Reason], version: str, checked: tuple[str, ...] = ()) -> Verdict:
    decided = tuple(dict.fromkeys(r.rule_id for r in reasons))
    return Verdict(
        action="suppress",
        reasons=tuple(_outcome(r, "decided") for r in reasons),
        profile_version=version,
        decided_by=decided,
        passed=tuple(i for i in dict.fromkeys(checked) if i not in decided),
    )


def _daily_free(
    cap: Cap, times: list[dt.datetime], t: dt.datetime, zones: list[ZoneInfo]
) -> tuple[dt.datetime, int]:
    """First instant >= ``t`` whose local calendar day (in every zone) has room
    under ``cap``, and how many contacts the blocking day held."""
    seen = 0
    while True:
        until: dt.datetime | None = None
        for zone in zones:
            day = t.astimezone(zone).date()
            n = sum(1 for x in times if x.astimezone(zone).date() == day)
            if n >= cap.limit:
                seen = max(seen, n)
                nxt = _local_midnight(day + dt.timedelta(days=1), zone)
                until = nxt if until is None else max(until, nxt)
        if until is None:
            return t, seen
        t = until


def evaluate(proposal: ContactProposal, policy: TenantPolicy | None = None) -> Verdict:
    """Allow now, defer to the next allowed instant, or suppress, naming the rules."""
    policy = policy or default_policy()
    profile = policy.profile(proposal.jurisdiction, proposal.purpose)
    if profile is None:
        reason = Reason(
            rule_id="jurisdiction.unsupported",
            params={"jurisdiction": proposal.jurisdiction},
            citation="No compliance profile: never contact without rules",
        )
        return _suppress([reason], f"none+{policy.name}@{policy.version}")
    blocked, cleared = screen(proposal, profile, policy)
    if blocked:
        checked = tuple(r.id for r in profile.suppressions.values())
        return _suppress(blocked, profile.version, checked + tuple(r.rule_id for r in cleared))
    return _schedule(proposal, profile, policy, cleared)


def _schedule(
    p: ContactProposal, profile: Profile, policy: TenantPolicy, cleared: list[Reason]
) -> Verdict:
    """``cleared``: the suppression checks that passed with something to say (a flag
    not yet in effect, the estate's representative, the validation period)."""
    zones = [ZoneInfo(p.timezone)] if p.timezone else [ZoneInfo(z) for z in profile.zones]
    where = p.timezone or f"all zones of {profile.code}"
    cal = Calendar(profile.holiday_country, profile.holiday_subdiv)
    windows = [w for w in profile.windows if w.applies_to(p.channel)]
    applying = [cap for cap in profile.caps if cap.applies_to(p.channel)]
    counted = {
        cap: sorted(
            h.at
            for h in p.history
            if cap.applies_to(h.channel) and (not cap.per_debt or _same_debt(p, h))
        )
        for cap in applying
    }
    history = {cap: times for cap, times in counted.items() if not cap.calendar_day}
    daily = {cap: times for cap, times in counted.items() if cap.calendar_day}
    why: dict[str, Pending] = {}
    t = p.at
    hold = promise_hold(p, profile, policy)
    if hold is not None:
        resume = max(_local_midnight(hold[0], z) for z in zones)
        if resume > t:
            t = resume
            why[hold[1].rule_id] = hold[1]
    for gap in profile.gaps:
        if p.channel in gap.channels and (found := _gap_until(p, gap, zones)) is not None:
            until, item = found
            t = max(t, until)
            why[gap.rule.id] = (
                gap.rule,
                {
                    "after": item.at.isoformat(),
                    "after_channel": item.channel.value,
                    "days": gap.days,
                },
            )
    for _ in range(MAX_ROUNDS):
        for rule in closed_rules(windows, zones, t, cal):
            local = t.astimezone(zones[0]).isoformat() if p.timezone else t.isoformat()
            why.setdefault(rule.rule.id, (rule.rule, {"local": local, "zone": where}))
        t = first_allowed(windows, zones, t, cal)
        for cap in rolling.blocking(history, t):
            why.setdefault(cap.id, (cap.rule, {**cap.params(), "seen": len(history[cap])}))
        free = rolling.earliest_free(history, t)
        for cap, times in daily.items():
            later, seen = _daily_free(cap, times, free, zones)
            if later != free:
                why.setdefault(cap.id, (cap.rule, {**cap.params(), "seen": seen}))
                free = later
        if free == t:
            break
        t = free
    else:
        raise RuntimeError("windows and caps did not settle")  # pragma: no cover
    checked: list[Pending] = list(cleared)
    checked += [(w.rule, {"zone": where, "result": "open"}) for w in windows]
    checked += [(c.rule, {**c.params(), "result": "ok"}) for c in counted]
    checked = [r for r in checked if _rule_id(r) not in why]
    gaps = [g.rule.id for g in profile.gaps if p.channel in g.channels]
    passed = tuple(i for i in dict.fromkeys([_rule_id(r) for r in checked] + gaps) if i not in why)
    if t == p.at:
        return Verdict(
            action="allow",
            reasons=tuple(_outcome(r, "passed") for r in checked),
            profile_version=profile.version,
            passed=passed,
        )
    return Verdict(
        action="defer",
        defer_until=t.astimezone(dt.UTC),
        reasons=tuple(_outcome(r, "decided") for r in why.values()),
        profile_version=profile.version,
        decided_by=tuple(why),
        passed=passed,
    )
