"""Dated flags: a set flag suppresses from its effective date, not before.

A bankruptcy petition filed on 3 June that the lender reports on 9 June stops
contact from 3 June: a compliance officer asking about a contact of 5 June
gets a suppression naming the effective date; one asking about 2 June gets the
flag listed as passed, with its date. The date is compared with the contact's
local calendar day in the debtor's zone; with the zone unknown, a flag is in
effect when its date has come in any zone of the jurisdiction (the latest local
day): a contact is never let through because of the zone we guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from recaudo.rules.base import ContactProposal


def contact_days(p: ContactProposal, zones: Iterable[str]) -> tuple[dt.date, ...]:
    """The contact's local date: in the debtor's zone, or (zone unknown) each date it
    has in ``zones``, the jurisdiction's zones, in order."""
    if p.timezone:
        return (p.at.astimezone(ZoneInfo(p.timezone)).date(),)
    found = {p.at.astimezone(ZoneInfo(zone)).date() for zone in zones}
    return tuple(sorted(found)) or (p.at.astimezone(dt.UTC).date(),)


def in_effect(since: dt.date | None, days: tuple[dt.date, ...]) -> bool:
    """Whether something effective ``since`` (None: unknown, so always) binds a
    contact on any of ``days``."""
    return since is None or since <= max(days)
