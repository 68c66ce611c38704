"""A contact proposal for the rules, built from the debtor's state.

Pure: the decision mechanics (``streams.decision.planner``) and the assistant
(``streams.conversation``) ask the same questions of the same facts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from recaudo.contracts.base import LegalFlag
from recaudo.contracts.events import Channel
from recaudo.contracts.state import AccountState, PointState
from recaudo.rules.base import ContactProposal, FlagDates, Flags, HistoryItem, HistoryKind
from recaudo.rules.ports import ContactPolicy
from recaudo.streams import validation
from recaudo.streams.decision.context import Context
from recaudo.streams.state import DebtorState

#: The channels that reach an estate's representative: written ones (policy: a call
#: or a WhatsApp template would speak to whoever holds the phone about the debt).
ESTATE_CHANNELS = frozenset({Channel.SMS, Channel.EMAIL})
#: The policy message addressed to an estate's representative.
ESTATE_TEMPLATE = "estate"


@dataclass(frozen=True, slots=True)
class Recipient:
    """Whom an account's contacts go to, and at which addresses."""

    kind: Literal["debtor", "estate_representative"]
    points: Sequence[PointState]
    #: Template values the message needs for this recipient (a representative's name).
    values: dict[str, object] = field(default_factory=dict)

    def point(self, channel: Channel) -> PointState | None:
        return next((p for p in self.points if p.ch == channel), None)

    def reachable(self, channels: Sequence[Channel]) -> list[Channel]:
        """The channels, in order and once each, with an address that has not bounced."""
        out: list[Channel] = []
        for channel in channels:
            point = self.point(channel)
            if point and not point.bounced and channel not in out:
                out.append(channel)
        return out


def recipient_of(state: DebtorState, account: AccountState, policy: ContactPolicy) -> Recipient:
    """The debtor, or after a death the estate's representative when one is named and
    the policy has a message for them (the rules decide whether the jurisdiction lets
    a contact reach them; without one, the debtor: the death suppresses)."""
    estate = ESTATE_TEMPLATE in policy.templates and ESTATE_TEMPLATE in policy.messages
    if LegalFlag.DECEASED in account.flags and state.rep is not None and estate:
        points = [p for p in state.rep.pts if p.ch in ESTATE_CHANNELS]
        return Recipient("estate_representative", points, {"name": state.rep.n})
    return Recipient("debtor", state.points)


def contact_proposal(
    state: DebtorState,
    account: AccountState,
    account_id: str,
    channel: Channel,
    ctx: Context,
    recipient: Recipient | None = None,
) -> ContactProposal:
    """What the rules judge for one channel: the debtor's state as the law sees it."""
    to = recipient or Recipient("debtor", state.points)
    return ContactProposal(
        tenant_id=ctx.tenant_id,
        jurisdiction=state.jur or "US",
        timezone=state.tz,
        at=ctx.now,
        account_id=account_id,
        account_status=account.status,
        days_past_due=account.days_past_due,
        flags=Flags(**dict.fromkeys(account.flags, True)),
        flag_dates=FlagDates(**{f: dt.date.fromisoformat(d) for f, d in account.fd.items()}),
        opted_out_channels=frozenset(p.ch for p in state.points if p.out),
        opted_out_all=state.opt_all,
        **point_fields(to, channel),
        recipient=to.kind,
        promise_until=state.promise_until,
        history=tuple(
            HistoryItem(
                channel=h.ch,
                at=dt.datetime.fromtimestamp(h.at, dt.UTC),
                kind=HistoryKind(h.kind),
                account_id=h.account_id,
            )
            for h in state.history
        ),
        **validation.facts(state, account_id),
    )


def point_fields(recipient: Recipient, channel: Channel) -> dict[str, Any]:
    point = recipient.point(channel)
    return {
        "channel": channel,
        "consent": bool(point and point.consent),
        "bounced": bool(point and point.bounced),
    }
