"""Legal flags that take effect before they arrive, and the contacts made since.

A bankruptcy petition, a death, a cease letter, a dispute or a legal hold
usually reaches the lender days after its effective date. Suppression holds
from the moment the flag is known (nothing can be unsent; pending contacts are
cancelled in the same batch), and a flag that arrives after its effective date
is recorded with the account together with the contacts handed to dispatch
since that date, so that ``recaudo report --after-effective-date`` and
``GET /v1/reports/after-effective-date`` list them for remediation.

What is found is what the debtor's state remembers (``state.HISTORY_S``: 14
days, at most 32 contacts): a flag whose effective date lies further back is
listed ``complete: false``, and the decisions topic (the audit log) holds the
contacts before the horizon.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from recaudo.contracts.base import LegalFlag
from recaudo.contracts.events import AccountEvent
from recaudo.contracts.outputs import JsonScalar, Reason
from recaudo.contracts.state import HISTORY_S, AccountState, AfterContact, Emitted, LateFlag
from recaudo.streams.state import DebtorState

REMEDIATION = "legal.contacted_after_effective_date"


def effective_dates(
    ev: AccountEvent, flags: Iterable[str], previous: AccountState | None, disputed_at: float
) -> dict[str, str]:
    """Each set flag's effective date: the earliest known of what the snapshots
    said (or their own dates) and, for a dispute by reply, the reply's date."""
    zone = ZoneInfo(ev.timezone)
    known = previous.fd if previous else {}
    out: dict[str, str] = {}
    for name in flags:
        if name == LegalFlag.DISPUTE and not ev.flags.dispute and disputed_at:
            date = dt.datetime.fromtimestamp(disputed_at, zone).date().isoformat()
        else:
            date = ev.flag_effective(name).isoformat()
        out[name] = min(date, known[name]) if name in known else date
    return out


def moved_earlier(now: Mapping[str, str], before: Mapping[str, str]) -> list[str]:
    """Flags that are new, or whose effective date a later snapshot moved back."""
    return sorted(name for name, date in now.items() if name not in before or date < before[name])


def start_of(date: str, timezone: str) -> float:
    """The effective date's first instant where the debtor lives, epoch seconds."""
    day = dt.date.fromisoformat(date)
    return dt.datetime.combine(day, dt.time(), ZoneInfo(timezone)).timestamp()


def record_late_flags(
    state: DebtorState,
    ev: AccountEvent,
    account: AccountState,
    previous: AccountState | None,
    now_at: dt.datetime,
    cancelling: Iterable[Emitted],
) -> tuple[Reason, ...]:
    """Record each flag that is new (or dated earlier than before) and finds contacts
    made since its effective date, or one the lender dated beyond what the state
    remembers; one remediation reason for each."""
    flags = moved_earlier(account.fd, previous.fd if previous else {})
    dated = {name for name in flags if getattr(ev.flag_dates, name, None)}
    account_id, timezone, now = ev.account_id, ev.timezone, now_at.timestamp()
    stopping = {(e.ch, e.at) for e in cancelling if e.account_id == account_id}
    reasons: list[Reason] = []
    for name in flags:
        date = account.fd[name]
        start = start_of(date, timezone)
        contacts = [
            AfterContact.model_construct(ch=h.ch, at=h.at, k=h.kind, c=(h.ch, h.at) in stopping)
            for h in state.history
            if h.at >= start and (h.account_id or account_id) == account_id
        ]
        full = now - start <= HISTORY_S
        if not contacts and (full or name not in dated):
            continue  # nothing was sent since, or nothing suggests anything was
        account.late = [x for x in account.late if x.f != name or x.d != date]
        account.late.append(
            LateFlag.model_construct(f=name, d=date, kn=now, full=full, cs=contacts)
        )
        params: dict[str, JsonScalar] = {
            "flag": name,
            "effective_date": date,
            "contacts": len(contacts),
            "channels": ",".join(sorted({c.ch.value for c in contacts})),
            "complete": full,
        }
        reasons.append(Reason(rule_id=REMEDIATION, params=params))
    return tuple(reasons)
