"""Per-debtor state: what the decision stage remembers between events.

Kept to a few hundred bytes (short field names, defaults omitted, orjson) and
stored under the debtor's hash-tagged key, so any worker can pick a debtor up
after a rebalance. Loaded and committed in one Redis round trip per batch.
"""

from __future__ import annotations

import datetime as dt

import orjson
from pydantic import BaseModel, ConfigDict

from recaudo.streams.events import AccountStatus, Channel


class _Compact(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AccountState(_Compact):
    status: AccountStatus = AccountStatus.CURRENT
    dpd: int = 0
    due: int = 0
    bal: int = 0
    cur: str = "USD"
    cycle: str = ""
    flags: list[str] = []
    # Cadence steps already taken (contacted or deferred) in this delinquency cycle.
    steps: list[str] = []
    # Message content (issue 10): creditor, account and payment references.
    cred: str | None = None
    ref: str | None = None
    pref: str | None = None


class PointState(_Compact):
    ch: Channel
    addr: str
    consent: bool = False
    out: bool = False
    bounced: bool = False


class PendingContact(_Compact):
    """A contact deferred to ``due`` (epoch seconds), held in the schedule."""

    cid: str
    acct: str
    ch: Channel
    step: str
    due: float
    trigger: str = "cadence"


class Emitted(_Compact):
    """A contact handed to dispatch; cancellable until the dispatcher claims it."""

    cid: str
    acct: str
    ch: Channel
    exp: float
    at: float = 0.0
    # The learner has had this contact's outcome (one reward per contact).
    rewarded: bool = False


class HistoryEntry(_Compact):
    ch: Channel
    at: float
    kind: str = "attempt"
    acct: str | None = None


class DebtorState(_Compact):
    tz: str | None = None
    jur: str | None = None
    lang: str = "en"
    seg: str | None = None
    accounts: dict[str, AccountState] = {}
    points: list[PointState] = []
    opt_all: bool = False
    promise_until: dt.date | None = None
    promise_acct: str | None = None
    pending: list[PendingContact] = []
    # Contacts emitted to dispatch and not yet expired: cancellable until sent.
    emitted: list[Emitted] = []
    history: list[HistoryEntry] = []
    # The channel/hour bandit's counts (models.bandit), base64: plain numbers, no pickle.
    arms: str | None = None
    # The debtor's display name, for message content (issue 10).
    name: str | None = None

    def encode(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json", exclude_defaults=True))

    @classmethod
    def decode(cls, raw: bytes | None) -> DebtorState:
        if not raw:
            return cls()
        return cls.model_validate(orjson.loads(raw))

    def point(self, channel: Channel) -> PointState | None:
        return next((p for p in self.points if p.ch == channel), None)

    def prune(self, now: float, history_s: float) -> None:
        """Forget what no rule can look at any more, to keep the state small."""
        self.history = [h for h in self.history if now - h.at <= history_s][-32:]
        self.emitted = [e for e in self.emitted if e.exp > now]
