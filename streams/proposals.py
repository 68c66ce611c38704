"""A contact proposal for the rules, built from the debtor's state.

Pure: the decision mechanics (``streams.decision_base``) and the assistant
(``streams.conversation``) ask the same questions of the same facts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from recaudo.rules.base import ContactProposal, Flags, HistoryItem, HistoryKind
from recaudo.streams.decision_context import Context
from recaudo.streams.events import Channel
from recaudo.streams.state import AccountState, DebtorState


def contact_proposal(
    state: DebtorState,
    account: AccountState,
    account_id: str,
    channel: Channel,
    ctx: Context,
) -> ContactProposal:
    """What the rules judge for one channel: the debtor's state as the law sees it."""
    return ContactProposal(
        tenant_id=ctx.tenant_id,
        jurisdiction=state.jur or "US",
        timezone=state.tz,
        at=ctx.now,
        account_id=account_id,
        account_status=account.status,
        days_past_due=account.dpd,
        flags=Flags(**dict.fromkeys(account.flags, True)),
        opted_out_channels=frozenset(p.ch for p in state.points if p.out),
        opted_out_all=state.opt_all,
        **point_fields(state, channel),
        promise_until=state.promise_until,
        history=tuple(
            HistoryItem(
                channel=h.ch,
                at=dt.datetime.fromtimestamp(h.at, dt.UTC),
                kind=HistoryKind(h.kind),
                account_id=h.acct,
            )
            for h in state.history
        ),
    )


def point_fields(state: DebtorState, channel: Channel) -> dict[str, Any]:
    point = state.point(channel)
    return {
        "channel": channel,
        "consent": bool(point and point.consent),
        "bounced": bool(point and point.bounced),
    }
