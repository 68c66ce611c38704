"""The one compliance gate every simulated strategy goes through.

It asks the real ``rules.evaluate`` (suppressions, opt-outs, local contact
window) and adds the simulation's frequency rules (minimum gap between
contacts, a per-debtor cap), so strategies compete on the same legal ground.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from recaudo.rules import ContactProposal, evaluate
from recaudo.streams.events import Channel


@dataclass(frozen=True, slots=True)
class CapPolicy:
    min_gap_days: int = 2
    max_contacts: int = 10


def allowed(
    *,
    jurisdiction: str,
    timezone: str,
    channel: Channel,
    at: dt.datetime,
    days_past_due: int,
    consent: bool,
    opted_out_all: bool,
    bounced: bool,
    day: int,
    last_contact_day: int | None,
    contacts: int,
    caps: CapPolicy,
) -> bool:
    """True when this contact may be made at ``at``; a deferral counts as not now."""
    if contacts >= caps.max_contacts:
        return False
    if last_contact_day is not None and day - last_contact_day < caps.min_gap_days:
        return False
    if not consent or bounced:
        return False
    verdict = evaluate(
        ContactProposal(
            jurisdiction=jurisdiction,
            timezone=timezone,
            channel=channel,
            at=at,
            days_past_due=days_past_due,
            consent=consent,
            opted_out_all=opted_out_all,
            bounced=bounced,
        )
    )
    return verdict.allowed
