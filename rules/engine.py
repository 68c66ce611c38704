"""Judge a contact proposal: suppressions first, then the contact window."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from rules.base import ContactProposal, Verdict
from streams.outputs import Reason

PROFILE_VERSION = "baseline-0"

_FLAG_RULES = (
    ("dispute", "suppress.dispute"),
    ("bankruptcy", "suppress.bankruptcy"),
    ("deceased", "suppress.deceased"),
    ("cease_and_desist", "suppress.cease_and_desist"),
    ("legal_hold", "suppress.legal_hold"),
)


def evaluate(proposal: ContactProposal) -> Verdict:
    reasons = [
        Reason(rule_id=rule_id) for flag, rule_id in _FLAG_RULES if getattr(proposal.flags, flag)
    ]
    if proposal.opted_out_all or proposal.channel in proposal.opted_out_channels:
        reasons.append(Reason(rule_id="suppress.opt_out", params={"channel": proposal.channel}))
    if reasons:
        return Verdict(action="suppress", reasons=tuple(reasons), profile_version=PROFILE_VERSION)
    zone = ZoneInfo(proposal.timezone or "UTC")
    local = proposal.at.astimezone(zone)
    if 8 <= local.hour < 21:
        return Verdict(
            action="allow",
            reasons=(Reason(rule_id="window.open", params={"local": local.isoformat()}),),
            profile_version=PROFILE_VERSION,
        )
    start = local.replace(hour=8, minute=0, second=0, microsecond=0)
    if local.hour >= 21:
        start = start + dt.timedelta(days=1)
    return Verdict(
        action="defer",
        defer_until=start.astimezone(dt.UTC),
        reasons=(Reason(rule_id="window.closed", params={"local": local.isoformat()}),),
        profile_version=PROFILE_VERSION,
    )
