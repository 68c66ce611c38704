"""Instalment plans and promises as the payments stream sees them.

A plan is a chain of promises: the running instalment is the debtor's promise
(``promise_until`` and ``Conversation.pa``), the rest wait in
``Conversation.pl``. Payments apply to the running one, partial ones add up and
any excess carries to the next; the promise check the schedule releases after
each date finds it kept or broken, as for a promise made in words.
"""

from __future__ import annotations

import datetime as dt

from recaudo.channels.content.render import Amount
from recaudo.channels.content.reply import PlanOption
from recaudo.rules.assistant_policy import PlanLimits


def plan_options(
    limits: PlanLimits, due_minor: int, currency: str, today: dt.date
) -> list[PlanOption]:
    """At most ``max_options`` plans within the limits, spread from fewest to most
    instalments; none when the currency has no minimum instalment configured."""
    floor = limits.min_instalment_minor.get(currency)
    if floor is None or due_minor <= 0:
        return []
    first = today + dt.timedelta(days=limits.first_in_days)
    valid = [
        n
        for n in range(limits.min_instalments, limits.max_instalments + 1)
        if -(-due_minor // n) >= floor
        and limits.first_in_days + (n - 1) * limits.every_days <= limits.max_days
    ]
    if len(valid) > limits.max_options > 1:
        last, k = len(valid) - 1, limits.max_options - 1
        valid = [valid[i] for i in sorted({round(i * last / k) for i in range(k + 1)})]
    valid = valid[: limits.max_options]
    return [PlanOption(n, Amount(-(-due_minor // n), currency), first) for n in valid]
