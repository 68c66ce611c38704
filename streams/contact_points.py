"""A debtor's contact points as a snapshot states them, with what we learned kept.

A snapshot lists the account's addresses and their consent; a bounce or an
opt-out learned from providers and replies stays whatever later snapshots say,
and a channel opted out of by reply stays closed for every address on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from recaudo.contracts.events import AccountEvent, Channel, ContactPoint
from recaudo.contracts.outputs import Reason
from recaudo.contracts.state import PointState, Representative
from recaudo.rules.reassigned import PHONE_CHANNELS, REASSIGNED
from recaudo.streams.state import DebtorState


def take_points(state: DebtorState, ev: AccountEvent) -> None:
    """The debtor's and the estate representative's addresses from a snapshot."""
    state.points = merge_points(state.points, ev, state.outs)
    state.rep = merge_representative(state.rep, ev, state.outs)


def merge_points(
    known: list[PointState], ev: AccountEvent, opted: Sequence[Channel] = ()
) -> list[PointState]:
    """The account's contact points win, but a bounce or opt-out we learned stays,
    and a channel the debtor opted out of by reply stays closed (``opted``).

    The consent date is the snapshot's when it gives one; else the one we hold;
    else, our policy, the debtor's local date the address was first sent to us
    (the latest the consent can have been given).
    """
    return _merged(known, ev.contact_points, ev.local_date, opted)


def merge_representative(
    known: Representative | None, ev: AccountEvent, opted: Sequence[Channel] = ()
) -> Representative | None:
    """The estate representative the snapshot names, with what we learned of their
    addresses kept; a snapshot naming none keeps the one we hold."""
    given = ev.estate_representative
    if given is None:
        return known
    points = _merged(known.pts if known else [], given.contact_points, ev.local_date, opted)
    return Representative.model_construct(n=given.name, pts=points)


def _merged(
    known: Sequence[PointState],
    points: Sequence[ContactPoint],
    local_date: dt.date,
    opted: Sequence[Channel],
) -> list[PointState]:
    by_key = {(p.ch, p.addr): p for p in known}
    merged: list[PointState] = []
    for cp in points:
        old = by_key.get((cp.channel, cp.address))
        given = cp.consent_date.isoformat() if cp.consent_date else ""
        merged.append(
            PointState.model_construct(
                ch=cp.channel,
                addr=cp.address,
                consent=cp.consent,
                out=cp.opted_out or bool(old and old.out) or cp.channel in opted,
                bounced=bool(old and old.bounced),
                cd=given or (old.cd if old else "") or local_date.isoformat(),
            )
        )
    return merged


def consent_date(points: Sequence[PointState], channel: Channel, address: str) -> dt.date | None:
    """When the debtor consented to ``address`` on ``channel``; None when unknown."""
    point = next((p for p in points if p.ch == channel and p.addr == address), None)
    return dt.date.fromisoformat(point.cd) if point and point.cd else None


def close_reassigned(points: Sequence[PointState], channel: Channel, address: str) -> Reason:
    """Close a number the Reassigned Numbers Database reports disconnected since
    consent on every phone channel (it may be someone else's now); the audit reason."""
    for point in points:
        if point.ch in PHONE_CHANNELS and point.addr == address:
            point.bounced = True
    consent = consent_date(points, channel, address)
    return Reason(
        rule_id=REASSIGNED.id,
        params={"channel": channel.value, "consent_date": consent.isoformat() if consent else None},
        citation=REASSIGNED.citation,
    )


def late_opt_outs(state: DebtorState, ev: AccountEvent) -> list[Channel]:
    """The opt-outs an older snapshot reports (they hold whenever given): marked on
    the addresses known, or on the whole channel for an address no longer given."""
    channels: list[Channel] = []
    for cp in ev.contact_points:
        if not cp.opted_out:
            continue
        known = [p for p in state.points if p.ch == cp.channel and p.addr == cp.address]
        for point in known:
            point.out = True
        if not known and cp.channel not in state.outs:
            state.outs.append(cp.channel)
            for point in state.points:
                point.out = point.out or point.ch == cp.channel
        channels.append(cp.channel)
    return channels
