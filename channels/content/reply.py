"""The values an assistant reply adds to its template: ``{{ reply.* }}``.

Built by the assistant (``streams.conversation``) for each answer; ``policy
check`` renders every template against ``sample_reply`` so a misspelt field is
an error there, never a blank in a debtor's message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from recaudo.channels.content.render import Amount


@dataclass(frozen=True, slots=True)
class PlanOption:
    """``count`` equal instalments of ``each``, the first on ``first``."""

    count: int
    each: Amount
    first: dt.date


@dataclass(frozen=True, slots=True)
class Reply:
    promise_date: dt.date
    promise_amount: Amount
    options: tuple[PlanOption, ...] = ()
    plan: PlanOption | None = None
    task_due: dt.datetime | None = None


def sample_reply(amount: Amount, now: dt.datetime) -> Reply:
    """Every field filled, as ``policy check`` renders templates with it."""
    option = PlanOption(3, Amount(amount.minor // 3, amount.currency), now.date())
    return Reply(now.date(), amount, (option, option), option, now)
