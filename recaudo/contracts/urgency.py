"""What stops a debtor's contacts, asked in two places: the urgent lane (a snapshot
that stops contact is decided ahead of the flood, ``topics.topic_of``) and the age
limit on ``occurred_at`` (what stops contact is never too old to count).
"""

from __future__ import annotations

import datetime as dt

from recaudo.contracts.events import AccountEvent, DeliveryEvent, DeliveryStatus, Event
from recaudo.contracts.validators import skew_error

#: Receipts that stop contact on their address or channel, whenever they come.
_STOPPING_RECEIPTS = frozenset({DeliveryStatus.COMPLAINED, DeliveryStatus.UNSUBSCRIBED})


def stops_contact(event: Event) -> bool:
    """Whether ``event`` can stop or settle a debtor's contacts: a payment or a
    reversal, a reply (it may opt out or dispute), a person's closing, a notice,
    a snapshot that raises a legal flag or reports an opt-out, a receipt of a
    complaint, an unsubscribe or a dead address. Only the rest (an ordinary
    snapshot, a progress receipt) is stale data when old."""
    if isinstance(event, AccountEvent):
        return bool(event.flags.raised()) or any(cp.opted_out for cp in event.contact_points)
    if isinstance(event, DeliveryEvent):
        return event.permanent or event.status in _STOPPING_RECEIPTS
    return True


def occurred_at_error(
    event: Event, now: dt.datetime, future_s: float, max_age_s: float
) -> str | None:
    """Why ``event``'s ``occurred_at`` is refused, or None. The age limit
    (``event_max_age_s``) refuses only what stops nothing. An opt-out or a cease
    that reaches us late still binds (47 CFR 64.1200(a)(10): consent revoked by
    any reasonable means; 15 U.S.C. 1692c(c): a cease request once received),
    and a late payment still counts (policy: a paid debtor is not dunned)."""
    limit = max_age_s if max_age_s > 0 and not stops_contact(event) else 0.0
    return skew_error(event.occurred_at, now, future_s, limit)
