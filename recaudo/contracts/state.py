"""Per-debtor state: what the decision stage remembers between events.

``DebtorStateBase`` is what the domains read and write of it (the rules'
facts, the learners' memory, the message composer's names and zones);
``streams.state.DebtorState``, the decision stage's own, adds the reply
assistant's memory.

Kept to a few hundred bytes (short field names, defaults omitted, orjson,
deflated with a preset dictionary: ``contracts.state_codec``) and stored under
the debtor's hash-tagged key, so any worker can pick a debtor up
after a rebalance. Loaded and committed in one Redis round trip per batch.
"""

from __future__ import annotations

import datetime as dt
from typing import Self

import orjson
from pydantic import BaseModel, ConfigDict, Field

from recaudo.contracts.events import AccountStatus, Channel
from recaudo.contracts.state_codec import pack_state, state_json
from recaudo.foundation.keys import Keys


class _Compact(BaseModel):
    """Named in full in the code; stored under the short keys (``Field`` aliases),
    which only the codec and raw-state readers see."""

    model_config = ConfigDict(
        extra="ignore", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )


class LedgerEntry(_Compact):
    """A payment (negative ``a``) or reversal after the account's newest snapshot."""

    p: str  # the payment id's mark (streams.account_ledger)
    t: float  # occurred_at, epoch seconds
    a: int  # signed change to the amount due, minor units


class AfterContact(_Compact):
    """A contact handed to dispatch on or after a late flag's effective date."""

    ch: Channel
    at: float  # when it was handed to dispatch, epoch seconds
    k: str = "attempt"  # the history entry's kind: an attempt or a conversation answer
    c: bool = False  # still cancellable when the flag arrived: its cancellation was asked


class LateFlag(_Compact):
    """A legal flag that became known after its effective date, with the contacts
    made since that date (``streams.legal_dates``): kept with the account, for
    remediation."""

    f: str  # a LegalFlag's value (contracts.base)
    d: str  # its effective date (ISO)
    kn: float  # when it became known, epoch seconds
    full: bool  # the debtor's remembered contacts reached back to the date
    cs: list[AfterContact] = []


class ValidationRecord(_Compact):
    """A debt collector's validation notice for one account (``streams.validation``):
    dates ISO, kept while the account is known; the pause a dispute within its
    period imposes lasts until verification was mailed (15 U.S.C. 1692g(b))."""

    p: str  # provided on
    m: str  # how: mail, in_person, email, sms, website
    e: bool = False  # E-SIGN consent recorded (an electronic notice counts only with it)
    r: str = ""  # proven receipt
    v: str = ""  # verification mailed
    d: str = ""  # the consumer's dispute within the period, the debtor's local date


class AccountState(_Compact):
    """The account as the rules read it; ``due`` and ``bal`` are reconciled
    (``streams.account_ledger``): the newest snapshot plus the payments after it."""

    status: AccountStatus = AccountStatus.CURRENT
    days_past_due: int = Field(0, alias="dpd")
    due: int = 0
    bal: int = 0
    # The newest snapshot: its time, event id (the tie-break), stated due and balance.
    at: float = 0.0
    sk: str = ""
    sdue: int = 0
    sbal: int = 0
    # Payments and reversals after that snapshot; ``fold``: the newest one folded in.
    led: list[LedgerEntry] = []
    fold: float = 0.0
    # Marks of the payment ids entered lately: a re-sent payment changes nothing.
    pids: list[str] = []
    # When the debtor disputed this account (a reply): held until a person closes the case.
    disp: float = 0.0
    cur: str = "USD"
    cycle: str = ""
    flags: list[str] = []  # the LegalFlag values set (contracts.base)
    # Cadence steps already taken (contacted or deferred) in this delinquency cycle.
    steps: list[str] = []
    # Message content (issue 10): creditor, account and payment references.
    cred: str | None = None
    ref: str | None = None
    pref: str | None = None
    # The law over the debt's life (issue 26): delinquency, last payment and charge-off
    # dates (ISO), the tenant's time-barred finding, credit-bureau notices delivered.
    dlq: str = ""
    lpd: str = ""
    cod: str = ""
    tb: bool | None = None
    bn: list[str] = []
    # Each set flag's effective date (ISO); the flags that arrived after theirs,
    # with the contacts made since (kept with the account: a legal record).
    fd: dict[str, str] = {}
    late: list[LateFlag] = []


class PointState(_Compact):
    ch: Channel
    addr: str
    consent: bool = False
    out: bool = False
    bounced: bool = False
    # Consent date, ISO: the snapshot's own, else (our policy, not the law's) the
    # debtor's local date the address was first sent; the reassigned-numbers check
    # asks whether the number was disconnected since.
    cd: str = ""


class Representative(_Compact):
    """A deceased debtor's estate representative (``streams.proposals.recipient_of``)."""

    n: str  # name
    pts: list[PointState] = []


class PendingContact(_Compact):
    """A contact deferred to ``due`` (epoch seconds), held in the schedule."""

    contact_id: str = Field(alias="cid")
    account_id: str = Field(alias="acct")
    ch: Channel
    step: str
    due: float
    trigger: str = "cadence"


class Emitted(_Compact):
    """A contact handed to dispatch; cancellable until the dispatcher claims it."""

    contact_id: str = Field(alias="cid")
    account_id: str = Field(alias="acct")
    ch: Channel
    exp: float
    at: float = 0.0
    # The learner has had this contact's outcome (one reward per contact).
    rewarded: bool = False
    # A courtesy reminder (purpose), so its cancellation is audited as one.
    rem: bool = False


class HeldPayment(_Compact):
    """A payment or reversal for an account not seen yet, applied when it arrives."""

    account_id: str = Field(alias="acct")
    t: float  # occurred_at, epoch seconds: held for at most account_ledger.HOLD_S after it
    raw: str  # the event as received: replayed on arrival, or the dead letter's payload


#: How long the contacts handed to dispatch are remembered (at most 32): the
#: rules' look-back, and how far back a late legal flag finds contacts.
HISTORY_S = 14 * 24 * 3600.0

#: How long an outcome waits for its contact: a crash replay comes within minutes;
#: an outcome of a contact forgotten long ago (a late click) waits for nothing.
EARLY_S = 3600.0


class EarlyOutcome(_Compact):
    """A contact's outcome read before the contact (a replay after a crash reads
    the topics in any order): its reward, given when the contact is emitted."""

    contact_id: str = Field(alias="cid")
    pos: bool
    w: int = 1
    t: float  # when it was read, epoch seconds: kept EARLY_S


class HistoryEntry(_Compact):
    ch: Channel
    at: float
    kind: str = "attempt"
    account_id: str | None = Field(None, alias="acct")


class UpliftOpen(_Compact):
    """A decision point whose label (share of the due paid in the window) is pending."""

    at: float
    ctx: str  # models.uplift.Context key
    t: bool  # contacted (treated) or left alone (control)
    r0: int  # recovered so far when it opened (OutcomeSummary.rec)
    d0: int  # amount due when it opened


class OutcomeSummary(_Compact):
    """What treating (or holding out) this debtor has produced: the report's unit.

    Enrolled when the debtor is first seen owing; it changes with the debtor's
    state in the same atomic commit as the processed event ids, so a replayed or
    restarted batch never counts a payment or a contact twice.
    """

    since: float = 0.0  # enrolment instant (epoch seconds)
    arm: str = ""  # the experiment arm at enrolment, or "holdout"
    strat: str = ""  # the experiment (strategy) name
    seg: str | None = None  # segment at enrolment
    bkt: str = ""  # days-past-due bucket at enrolment: "1-30", "31-60", "61-90", "91+"
    owed: int = 0  # amount due at enrolment, minor units
    cur: str = ""
    rec: int = 0  # recovered since enrolment (payments minus reversals), minor units
    n: int = 0  # contacts sent
    by_ch: dict[str, int] = {}  # contacts by channel
    cost: int = 0  # channel cost of those contacts (tenant policy), minor units
    opt: bool = False  # opted out of any channel since enrolment
    cmp: bool = False  # complained since enrolment
    prom: int = 0  # promises to pay made
    kept: int = 0  # promises kept (paid by the promised date plus grace)
    rpc: bool = False  # right-party contact: the debtor engaged (reply, click, call answered)
    cured: bool = False  # back to nothing due after enrolment


class RollSummary(_Compact):
    """Due dates watched while the account was current, and how many rolled past due.

    The unit of the roll-rate report: reminded (treated) against holdout debtors.
    """

    arm: str = ""  # the experiment arm when first watched, or "holdout"
    strat: str = ""
    seg: str | None = None
    cyc: str = ""  # the due date being watched
    c: int = 0  # due dates watched
    l1: int = 0  # of which rolled to 1+ days past due
    l30: int = 0  # of which rolled to 30+ days past due
    f1: bool = False  # the watched due date has rolled to 1+ (counted)
    f30: bool = False
    n: int = 0  # reminders sent
    amt: int = 0  # amount due when the watched due date was first seen, minor units
    pts: list[int] = []  # days to the due date of roll-risk scoring points awaiting a label


class DebtorStateBase(_Compact):
    tz: str | None = None
    jur: str | None = None
    lang: str = "en"
    seg: str | None = None
    accounts: dict[str, AccountState] = {}
    points: list[PointState] = []
    opt_all: bool = False
    # Channels the debtor opted out of by reply: every address on them, known now or
    # given by a snapshot processed later (the reply may arrive first).
    outs: list[Channel] = []
    # Disputes raised by reply for accounts not seen yet ("*": every account), by
    # occurred_at: applied when the account's snapshot arrives.
    disputed: dict[str, float] = {}
    promise_until: dt.date | None = None
    promise_account_id: str | None = Field(None, alias="promise_acct")
    pending: list[PendingContact] = []
    # Payments waiting for their account's first snapshot (streams.account_ledger).
    held: list[HeldPayment] = []
    # Contacts emitted to dispatch and not yet expired: cancellable until sent.
    emitted: list[Emitted] = []
    # Outcomes of contacts not emitted (yet): a crash replay emits them again.
    early: list[EarlyOutcome] = []
    history: list[HistoryEntry] = []
    # The channel/hour bandit's counts (models.bandit), base64: plain numbers, no pickle.
    arms: str | None = None
    # Outcome accounting for the reports (None until the debtor first owes).
    out: OutcomeSummary | None = None
    # Uplift observations waiting for their attribution window to close.
    obs: list[UpliftOpen] = []
    # The debtor's display name, for message content (issue 10).
    name: str | None = None
    # The reply assistant's memory and the open task pausing automation (issue 11):
    # typed by ``streams.state.DebtorState`` (no domain reads it), declared here so
    # it keeps its place in the stored JSON.
    conversation: object | None = Field(None, alias="cv")
    # Roll-rate accounting of courtesy reminders (issue 13; streams.reminders).
    rem: RollSummary | None = None
    # After a death: the estate's representative, contacted instead (US only).
    rep: Representative | None = None
    # Validation notices by account id (a debt collector's; streams.validation).
    vals: dict[str, ValidationRecord] = {}

    def encode(self) -> bytes:
        """The stored value (``contracts.state_codec``)."""
        return pack_state(self.to_json())

    @classmethod
    def decode(cls, raw: bytes | None) -> Self:
        """A stored value of either form, or plain JSON (``to_json``)."""
        if not raw:
            return cls()
        return cls.model_validate(orjson.loads(state_json(raw)))

    def to_json(self) -> bytes:
        """Plain JSON, defaults left out: a cheap snapshot (``decode`` reads it back)."""
        return orjson.dumps(self.model_dump(mode="json", exclude_defaults=True))

    def point(self, channel: Channel) -> PointState | None:
        return next((p for p in self.points if p.ch == channel), None)

    def point_at(self, channel: Channel, address: str | None) -> PointState | None:
        """The address a receipt names (the debtor's or the estate representative's),
        else the channel's first of the debtor's."""
        points = [*self.points, *(self.rep.pts if self.rep else ())]
        found = next((p for p in points if p.ch == channel and p.addr == address), None)
        return found or self.point(channel)

    def prune(self, now: float, history_s: float, reward_s: float = 0.0) -> None:
        """Forget what no rule or learner can look at any more, to keep the state small.

        A sent contact stays while it can still be cancelled or still waits
        for its reward (``reward_s`` after it was sent).
        """
        self.history = [h for h in self.history if now - h.at <= history_s][-32:]
        self.early = [o for o in self.early if now - o.t <= EARLY_S][-8:]
        self.emitted = [
            e
            for e in self.emitted
            if e.exp > now or (not e.rewarded and e.at and now - e.at <= reward_s)
        ][-16:]


def state_key(keys: Keys, tenant_id: str, debtor_id: str) -> str:
    """Where a debtor's state is stored: one string under the debtor's hash tag."""
    return keys.debtor(tenant_id, debtor_id, "state")
