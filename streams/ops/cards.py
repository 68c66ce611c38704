"""Each debtor of a tenant as a card: who they are, how to reach them, what they owe.

One ``SCAN`` of the tenant's state keys (``reports.source.scan_states``) feeds
search, the call list and the page's "as of", cached ``ttl_s`` per tenant so
a few agents typing do not each scan Redis. O(N) in the tenant's debtors,
nothing indexed on the decision path: the hot path pays nothing for it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from recaudo.contracts.base import LegalFlag
from recaudo.contracts.events import Channel
from recaudo.foundation.keys import Keys
from recaudo.streams.reports.source import scan_states
from recaudo.streams.state import DebtorState

#: Flags under which nobody calls the debtor about the debt: every legal flag.
NO_CALL_FLAGS: frozenset[str] = frozenset(LegalFlag)
FORTNIGHT_S = 14 * 86400.0


@dataclass(frozen=True, slots=True)
class DebtorCard:
    debtor_id: str
    name: str | None
    language: str
    timezone: str | None
    segment: str | None
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    references: tuple[str, ...]  # account ids and the references the debtor knows
    amount_due_minor: int
    currency: str
    days_past_due: int
    callable: bool  # owes, not opted out, no flag that stops collection, a phone
    contacts_14d: int
    last_at: float  # the newest event time in the state (epoch seconds)
    promise_until: str | None = None
    flags: tuple[str, ...] = field(default=())


def card_of(debtor_id: str, state: DebtorState) -> DebtorCard:
    """The card of one decoded state; the account owing most names the currency."""
    accounts = sorted(state.accounts.items(), key=lambda kv: -kv[1].due)
    owing = accounts[0][1] if accounts else None
    phones = tuple(
        p.addr for p in state.points if p.ch in (Channel.SMS, Channel.VOICE, Channel.WHATSAPP)
    )
    emails = tuple(p.addr for p in state.points if p.ch == Channel.EMAIL)
    references = tuple(r for acct, a in state.accounts.items() for r in (acct, a.ref, a.pref) if r)
    flags = tuple(sorted({f for a in state.accounts.values() for f in a.flags}))
    times = [a.at for a in state.accounts.values()]
    times += [e.t for a in state.accounts.values() for e in a.led]
    times += [h.at for h in state.history] + [e.at for e in state.emitted]
    last_at = max(times, default=0.0)
    recent = sum(1 for h in state.history if h.kind == "attempt" and last_at - h.at <= FORTNIGHT_S)
    due = sum(a.due for a in state.accounts.values() if owing and a.cur == owing.cur)
    reachable = bool(set(phones) - {p.addr for p in state.points if p.out})
    return DebtorCard(
        debtor_id=debtor_id,
        name=state.name,
        language=state.lang,
        timezone=state.tz,
        segment=state.seg,
        phones=phones,
        emails=emails,
        references=references,
        amount_due_minor=due,
        currency=owing.cur if owing else "USD",
        days_past_due=max((a.days_past_due for a in state.accounts.values()), default=0),
        callable=due > 0 and not state.opt_all and not (set(flags) & NO_CALL_FLAGS) and reachable,
        contacts_14d=recent,
        last_at=last_at,
        promise_until=state.promise_until.isoformat() if state.promise_until else None,
        flags=flags,
    )


class DebtorCards:
    """A tenant's cards, cached ``ttl_s``; concurrent callers share one scan."""

    def __init__(
        self,
        client: Any,
        keys: Keys,
        ttl_s: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._keys = keys
        self._ttl = ttl_s
        self._clock = clock
        self._cache: dict[str, tuple[float, list[DebtorCard]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def cards(self, tenant_id: str) -> list[DebtorCard]:
        lock = self._locks.setdefault(tenant_id, asyncio.Lock())
        async with lock:
            hit = self._cache.get(tenant_id)
            if hit is not None and self._clock() - hit[0] < self._ttl:
                return hit[1]
            found: dict[str, DebtorCard] = {}
            async for debtor, body in scan_states(self._client, self._keys, tenant_id):
                if debtor not in found:  # SCAN may return a key twice
                    found[debtor] = card_of(debtor, DebtorState.model_validate(body))
            cards = sorted(found.values(), key=lambda c: c.debtor_id)
            self._cache[tenant_id] = (self._clock(), cards)
            return cards

    def forget(self, tenant_id: str) -> None:
        """Drop the cache (a test that writes state and reads at once)."""
        self._cache.pop(tenant_id, None)
