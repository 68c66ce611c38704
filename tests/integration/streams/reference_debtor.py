"""The reference model of a debtor: what the event contract says its state is.

Given the set of events seen so far, in no particular order, it answers from
the contract alone (DESIGN.md, "Event contract"; issue 21): the newest snapshot
of each account, ordered by (``occurred_at``, ``event_id``), less the payments
and plus the reversals that happened strictly after it; opt-outs and disputes
that nothing undoes; the promises to pay, each holding until its date plus
grace or until the account it names owes nothing (kept). It keeps no running
state and looks at no arrival order: sums and maxima over sets, so that it is
obviously right and cannot depend on the order. The decision stage, which must
reach the same answer one event at a time in whatever order the topics
deliver, is checked against it (``test_interleavings``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from recaudo.contracts.events import (
    AccountEvent,
    Channel,
    Intent,
    PaymentEvent,
    ResponseEvent,
)

ModelEvent = AccountEvent | PaymentEvent | ResponseEvent


@dataclass(frozen=True)
class Balance:
    """An account's reconciled amounts, integer minor units."""

    due: int
    balance: int


@dataclass(frozen=True)
class Reference:
    """One debtor as the contract sees it after a set of events."""

    #: Only accounts with a snapshot: a payment never creates an account.
    balances: Mapping[str, Balance]
    opted_out: frozenset[Channel]
    opted_out_all: bool
    disputed: frozenset[str]
    #: The latest date a promise to pay not yet kept names (None: no such promise).
    promise_until: dt.date | None

    def why_not(
        self, account_id: str, channel: Channel, today: dt.date | None = None, grace_days: int = 0
    ) -> str | None:
        """Why no contact may go out for this account on this channel, or None.

        ``today`` (the debtor's local date) also checks a promise to pay: no
        collection contact until its date plus ``grace_days``. Without it the
        promise is left out, as for a contact deferred past the promise.
        """
        balance = self.balances.get(account_id)
        if balance is None:
            return f"account {account_id} has no snapshot"
        if balance.due <= 0:
            return f"account {account_id} owes nothing"
        if self.opted_out_all:
            return "opted out of every channel"
        if channel in self.opted_out:
            return f"opted out of {channel.value}"
        if account_id in self.disputed:
            return f"account {account_id} is disputed"
        if (
            today is not None
            and self.promise_until is not None
            and today <= self.promise_until + dt.timedelta(days=grace_days)
        ):
            return f"promised to pay by {self.promise_until}"
        return None


def reference(events: Iterable[ModelEvent]) -> Reference:
    """The debtor after ``events`` (one debtor's; duplicates and any order allowed)."""
    unique = {e.event_id: e for e in events}.values()
    snapshots = [e for e in unique if isinstance(e, AccountEvent)]
    # A payment sent again under another event id is still one payment.
    money = {e.payment_id: e for e in unique if isinstance(e, PaymentEvent)}.values()
    replies = [e for e in unique if isinstance(e, ResponseEvent)]

    balances: dict[str, Balance] = {}
    flagged: set[str] = set()
    for account_id in {s.account_id for s in snapshots}:
        newest = max(
            (s for s in snapshots if s.account_id == account_id),
            key=lambda s: (s.occurred_at, s.event_id),
        )
        # What happened after the snapshot: payments lower it, reversals raise it.
        moved = sum(
            p.amount.amount_minor * (1 if p.reversal_of else -1)
            for p in money
            if p.account_id == account_id and p.occurred_at > newest.occurred_at
        )
        balances[account_id] = Balance(
            due=max(0, newest.amount_due.amount_minor + moved),
            balance=max(0, newest.balance.amount_minor + moved),
        )
        if newest.flags.dispute:
            flagged.add(account_id)

    opt_outs = [r for r in replies if r.intent is Intent.OPT_OUT]
    # An opt-out is never undone: one a snapshot reported counts like a reply.
    said_in_snapshots = {p.channel for s in snapshots for p in s.contact_points if p.opted_out}
    disputes = [r for r in replies if r.intent is Intent.DISPUTE]
    # A dispute names its account (known yet or not), or every account (None).
    named = {r.account_id for r in disputes if r.account_id is not None}
    every = set(balances) if any(r.account_id is None for r in disputes) else set()
    # A promise is kept once the account it names owes nothing; until then it holds.
    promises = [
        r.promise.due_on
        for r in replies
        if r.intent is Intent.PROMISE_TO_PAY
        and r.promise is not None
        and not (r.account_id in balances and balances[r.account_id].due == 0)
    ]
    return Reference(
        balances=balances,
        opted_out=frozenset({r.channel for r in opt_outs} | said_in_snapshots),
        opted_out_all=any(r.opt_out_all for r in opt_outs),
        disputed=frozenset(flagged | named | every),
        promise_until=max(promises, default=None),
    )
