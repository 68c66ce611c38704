"""An account's amount due, whatever order its snapshots and payments arrive in.

The contract (README, "Integration contract"): a snapshot (``AccountEvent``)
states the account as of its ``occurred_at``; a payment or a reversal changes
it at its own ``occurred_at``. What the decision core sees is the newest
snapshot, ordered by (``occurred_at``, event id), plus every payment and
reversal strictly after that snapshot's time, clamped at zero. Accounts and
payments are separate topics read in whatever order the fetches return, so
each account keeps its newest snapshot's figures and the payments after it,
and the amount due is recomputed from them on every change: the same events
give the same state in any order, a replay or a duplicate changes nothing.

Bounds, so a debtor's state stays small:
- ``MAX_ENTRIES`` payments after the newest snapshot per account. Past it the
  oldest is folded into the snapshot's figures, and a snapshot older than a
  folded payment is too late to be placed (treated as stale; the lender is
  expected to send a snapshot at least daily, see README).
- ``MAX_HELD`` payments for accounts not seen yet per debtor, each for at most
  ``HOLD_S`` of event time: past either bound the payment is dead-lettered
  with the reason (``streams.decision.accounts``), never dropped, and it never invents an
  account.
"""

from __future__ import annotations

import hashlib
from enum import Enum

from recaudo.contracts.events import AccountEvent, PaymentEvent
from recaudo.contracts.state import AccountState, LedgerEntry

MAX_ENTRIES = 32
MAX_HELD = 16
HOLD_S = 7 * 86400.0
#: Payment ids remembered per account to tell a re-sent payment from a new one.
RECENT_IDS = 16


class Entered(Enum):
    """What ``record_payment`` did with a payment."""

    APPLIED = "applied"  # after the newest snapshot: it changes the amount due
    INCLUDED = "included"  # at or before the snapshot: the lender's figures have it
    DUPLICATE = "duplicate"  # this payment id was entered already: nothing changes


def mark(identifier: str) -> str:
    """A short stable stand-in for an id: what the state keeps to compare and dedupe."""
    return hashlib.blake2s(identifier.encode(), digest_size=5).hexdigest()


def signed_amount(ev: PaymentEvent) -> int:
    """What the event does to the amount due: a payment lowers it, a reversal raises it."""
    return ev.amount.amount_minor if ev.reversal_of else -ev.amount.amount_minor


def is_stale(account: AccountState | None, ev: AccountEvent) -> bool:
    """A snapshot that is not newer than what the account already reflects."""
    if account is None or not account.at:
        return False
    at = ev.occurred_at.timestamp()
    if at < account.fold:
        return True  # older than a payment folded into the figures: cannot be placed
    return (at, ev.event_id) <= (account.at, account.sk)


def take_snapshot(account: AccountState, previous: AccountState | None, ev: AccountEvent) -> None:
    """Base ``account`` on ``ev``, keeping the payments of ``previous`` that came after it."""
    account.at = ev.occurred_at.timestamp()
    account.sk = ev.event_id
    account.sdue = ev.amount_due.amount_minor
    account.sbal = ev.balance.amount_minor
    if previous is not None:
        account.fold = previous.fold
        account.led = [e for e in previous.led if e.t > account.at]
    reconcile(account)


def record_payment(account: AccountState, ev: PaymentEvent) -> Entered:
    """Enter a payment or reversal once, by its ``payment_id``."""
    at = ev.occurred_at.timestamp()
    key = mark(ev.payment_id)
    if key in account.pids:
        return Entered.DUPLICATE
    account.pids = [*account.pids, key][-RECENT_IDS:]
    if at <= account.at:
        return Entered.INCLUDED
    account.led.append(LedgerEntry(p=key, t=at, a=signed_amount(ev)))
    account.led.sort(key=lambda e: (e.t, e.p))
    while len(account.led) > MAX_ENTRIES:
        oldest = account.led.pop(0)
        # Unclamped: only the sum is clamped (``reconcile``), so folding keeps it exact.
        account.sdue += oldest.a
        account.sbal += oldest.a
        account.fold = oldest.t
    reconcile(account)
    return Entered.APPLIED


def reconcile(account: AccountState) -> None:
    """The amount due and balance the rules read: snapshot plus later payments, >= 0."""
    net = sum(e.a for e in account.led)
    account.due = max(0, account.sdue + net)
    account.bal = max(0, account.sbal + net)
