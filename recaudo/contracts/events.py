"""Input events: the contract lenders and providers produce against.

These pydantic models are the single source of truth; ``recaudo schema`` prints
their JSON Schemas. Money is integer minor units plus an ISO 4217 code.

Strict on the wire, the same over HTTP and on the topics: integers and booleans
are JSON numbers and ``true``/``false``, never strings ("10", "yes", "true");
instants are RFC 3339 strings with an offset, never epoch numbers; dates are
``YYYY-MM-DD``. Bounds (``contracts.validators``): days past due at most 36,500;
an account's due date from 36,500 days before to 3,653 days after its
snapshot's date; balance zero or more (no credit balances are modelled) and
amount due at most the balance.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from recaudo.contracts.base import (
    Contract,
    Day,
    Identifier,
    Instant,
    Jurisdiction,
    LegalFlag,
    Money,
    TenantId,
    TimeZoneName,
)
from recaudo.contracts.validators import (
    MAX_DAYS_PAST_DUE,
    due_date_error,
    flag_date_error,
    normalise_contact_points,
    positive_money,
    same_currency,
    validation_dates_error,
)


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    WHATSAPP = "whatsapp"
    VOICE = "voice"


class AccountStatus(StrEnum):
    CURRENT = "current"
    DELINQUENT = "delinquent"
    CHARGED_OFF = "charged_off"
    SETTLED = "settled"
    CLOSED = "closed"


class ContactPoint(Contract):
    channel: Channel
    address: str = Field(min_length=1, max_length=320)
    consent: StrictBool = Field(description="The debtor authorised this channel for collection")
    opted_out: StrictBool = False
    consent_date: Day | None = Field(
        default=None,
        description="When the debtor consented to this address (YYYY-MM-DD): a number "
        "disconnected since then is not called or texted (FCC Reassigned Numbers Database)",
    )


class EstateRepresentative(Contract):
    """The executor, administrator or personal representative of a deceased debtor's
    estate: in the US the one person a collector may contact about the debt after
    the death (12 CFR 1006.6(a)(4)); elsewhere kept, never contacted (policy)."""

    name: str = Field(min_length=1, max_length=80)
    contact_points: tuple[ContactPoint, ...] = Field(min_length=1, max_length=4)


# One field per ``LegalFlag``, named by its value (the wire contract), here and in
# ``FlagDates``; tests/unit/streams/test_legal_flags.py keeps them in step.
class AccountFlags(Contract):
    dispute: StrictBool = False
    bankruptcy: StrictBool = False
    deceased: StrictBool = False
    cease_and_desist: StrictBool = False
    legal_hold: StrictBool = False

    def raised(self) -> tuple[LegalFlag, ...]:
        """The flags set, in ``LegalFlag`` order."""
        return tuple(flag for flag in LegalFlag if getattr(self, flag))


class FlagDates(Contract):
    """When each set flag took effect, where that precedes the snapshot (a petition,
    a death or a cease letter reaches the lender days later): suppression counts
    from that date, and the contacts made since are listed for remediation. A flag
    without a date takes effect on the snapshot's own date."""

    dispute: Day | None = None
    bankruptcy: Day | None = None
    deceased: Day | None = None
    cease_and_desist: Day | None = None
    legal_hold: Day | None = None


#: The ``type`` field's description in every input event's schema.
TYPE_DOC = (
    "The event's kind, which selects its schema (the discriminator of InputEvent): "
    "account, payment, delivery, response, task_closed or validation_notice. Required, "
    "on HTTP and on the topics alike."
)


def _type_required(schema: dict[str, Any]) -> None:
    """Every record is read as an ``InputEvent``, so ``type`` is required although the
    models default it (code builds events without naming their kind)."""
    if "type" in schema.get("properties", {}):
        required = schema.setdefault("required", [])
        if "type" not in required:
            required.insert(0, "type")


class Event(Contract):
    model_config = ConfigDict(json_schema_extra=_type_required)

    event_id: Identifier = Field(description="Idempotency key: an event id is processed once")
    tenant_id: TenantId
    occurred_at: Instant
    debtor_id: Identifier


class AccountEvent(Event):
    type: Literal["account"] = Field(default="account", description=TYPE_DOC)
    account_id: Identifier
    balance: Money = Field(description="Zero or more: credit balances are not modelled")
    amount_due: Money = Field(description="Zero or more, and at most the balance")
    due_date: Day = Field(
        description="YYYY-MM-DD, from 36,500 days before to 3,653 days after occurred_at's date"
    )
    days_past_due: StrictInt = Field(ge=0, le=MAX_DAYS_PAST_DUE)
    status: AccountStatus
    product: str = Field(min_length=1, max_length=64)
    jurisdiction: Jurisdiction
    timezone: TimeZoneName
    language: str = Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    contact_points: tuple[ContactPoint, ...] = ()
    flags: AccountFlags = AccountFlags()
    flag_dates: FlagDates = Field(
        default=FlagDates(),
        description="Effective date (YYYY-MM-DD, the debtor's local date) of a set flag, "
        "at most occurred_at's date",
    )
    estate_representative: EstateRepresentative | None = Field(
        default=None,
        description="After a death (flags.deceased): whom to contact about the account instead",
    )
    segment: str | None = Field(default=None, max_length=64)
    # What a message needs to be actionable (issue 10); optional so older feeds stay valid.
    debtor_name: str | None = Field(default=None, min_length=1, max_length=80)
    creditor_name: str | None = Field(default=None, min_length=1, max_length=80)
    account_reference: str | None = Field(
        default=None, max_length=40, description="What the debtor knows the account by"
    )
    payment_reference: str | None = Field(
        default=None, max_length=64, description="The tenant's reference for its payment page"
    )
    # The law over the debt's life (issue 26); optional so older feeds stay valid.
    delinquency_date: Day | None = Field(
        default=None, description="The default the limitations clock runs from (rules.limitations)"
    )
    last_payment_date: Day | None = None
    charge_off_date: Day | None = None
    time_barred: StrictBool | None = Field(
        default=None,
        description="The tenant's own finding that the debt is time-barred; null: from the dates",
    )
    credit_bureau_notices: tuple[Day, ...] = Field(
        default=(),
        max_length=12,
        description="CO: days a prior notice of a negative credit-bureau report was delivered, "
        "with proof (Ley 1266 de 2008, art. 12; rules.credit_bureau)",
    )

    @model_validator(mode="before")
    @classmethod
    def check_contact_points(cls, data: Any) -> Any:
        """Phone numbers to E.164 in the jurisdiction's region; e-mail addresses checked."""
        return normalise_contact_points(data)

    @field_validator("balance", "amount_due")
    @classmethod
    def check_not_negative(cls, value: Money) -> Money:
        return positive_money(value, allow_zero=True)

    @model_validator(mode="after")
    def check_against_balance(self) -> AccountEvent:
        same_currency(self.balance, self.amount_due, "amount_due.currency")
        if self.amount_due.amount_minor > self.balance.amount_minor:
            raise ValueError(
                f"amount_due.amount_minor: {self.amount_due.amount_minor} is more than "
                f"the balance {self.balance.amount_minor}"
            )
        why = due_date_error(self.due_date, self.occurred_at) or flag_date_error(
            self.flags.model_dump(), self.flag_dates.model_dump(), self.local_date
        )
        if self.estate_representative is not None and not self.flags.deceased:
            why = why or "estate_representative: given while flags.deceased is false"
        if why is not None:
            raise ValueError(why)
        return self

    @property
    def local_date(self) -> dt.date:
        """occurred_at's date where the debtor lives: the day a dateless flag takes effect."""
        return self.occurred_at.astimezone(ZoneInfo(self.timezone)).date()

    def flag_effective(self, name: str) -> dt.date:
        """When set flag ``name`` took effect (its date, else the snapshot's local date)."""
        given: dt.date | None = getattr(self.flag_dates, name)
        return given or self.local_date


class PaymentMethod(StrEnum):
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"
    DIRECT_DEBIT = "direct_debit"
    OTHER = "other"


class PaymentEvent(Event):
    type: Literal["payment"] = Field(default="payment", description=TYPE_DOC)
    payment_id: Identifier
    account_id: Identifier
    amount: Money
    method: PaymentMethod
    paid_at: Instant
    reversal_of: Identifier | None = Field(
        default=None, description="payment_id this event reverses; amount is what is reversed"
    )

    @field_validator("amount")
    @classmethod
    def check_amount(cls, value: Money) -> Money:
        return positive_money(value, allow_zero=False)


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    BOUNCED = "bounced"
    READ = "read"
    OPENED = "opened"
    CLICKED = "clicked"
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    COMPLAINED = "complained"
    UNSUBSCRIBED = "unsubscribed"


class DeliveryEvent(Event):
    type: Literal["delivery"] = Field(default="delivery", description=TYPE_DOC)
    contact_id: Identifier
    account_id: Identifier | None = None
    provider: str = Field(min_length=1, max_length=32)
    channel: Channel
    status: DeliveryStatus
    address: str | None = Field(default=None, max_length=320)
    provider_error_code: str | None = Field(default=None, max_length=64)
    permanent: StrictBool = Field(
        default=False, description="Hard bounce or invalid number: never use this address again"
    )


class Intent(StrEnum):
    PROMISE_TO_PAY = "promise_to_pay"
    DISPUTE = "dispute"
    OPT_OUT = "opt_out"
    WRONG_PARTY = "wrong_party"
    PAID_ALREADY = "paid_already"
    HARDSHIP = "hardship"
    CALLBACK_REQUEST = "callback_request"
    OTHER = "other"


class Promise(Contract):
    amount: Money
    due_on: Day


class PlanChoice(Contract):
    """An instalment plan the debtor picked on the pay page, by its number of
    instalments; taken only when the tenant's policy offers it that day."""

    instalments: StrictInt = Field(ge=1, le=120)


class ResponseEvent(Event):
    type: Literal["response"] = Field(default="response", description=TYPE_DOC)
    account_id: Identifier | None = None
    contact_id: Identifier | None = None
    channel: Channel
    text: str | None = Field(default=None, max_length=4096)
    intent: Intent | None = None
    promise: Promise | None = None
    plan: PlanChoice | None = Field(
        default=None, description="A plan picked from those offered (the self-service page)"
    )
    opt_out_all: StrictBool = Field(default=False, description="Opt-out covers every channel")
    disposition: str | None = Field(default=None, max_length=64)


class TaskClosedEvent(Event):
    """A person closed a task (``POST /v1/tasks/{id}/close``): the debtor's automation
    resumes. On its own topic so it reaches the debtor's decide stage in order."""

    type: Literal["task_closed"] = Field(default="task_closed", description=TYPE_DOC)
    task_id: Identifier
    resolution: str = Field(min_length=1, max_length=64)
    closed_by: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=500)


class NoticeMethod(StrEnum):
    """How a validation notice was provided (12 CFR 1006.34, 1006.42)."""

    MAIL = "mail"
    IN_PERSON = "in_person"
    EMAIL = "email"
    SMS = "sms"
    WEBSITE = "website"


class ValidationNoticeEvent(Event):
    """A debt collector's validation notice for an account (12 CFR 1006.34) and,
    once the consumer disputed, the day verification was mailed (15 U.S.C.
    1692g(b)). Sent again with ``verification_sent_on`` when verification goes
    out; the notice's own fields are the latest event's. On the accounts topic, in
    order with the account's snapshots."""

    type: Literal["validation_notice"] = Field(default="validation_notice", description=TYPE_DOC)
    account_id: Identifier
    provided_on: Day = Field(description="The day the notice was provided (mailed, handed, sent)")
    method: NoticeMethod
    esign_consent: StrictBool = Field(
        default=False,
        description="The consumer's E-SIGN consent, recorded: an electronic notice counts "
        "only with it (12 CFR 1006.42)",
    )
    received_on: Day | None = Field(
        default=None, description="Proven receipt; else receipt is assumed (12 CFR 1006.34(b)(5))"
    )
    verification_sent_on: Day | None = Field(
        default=None,
        description="The day verification of the debt (or a copy of a judgment) was mailed "
        "after a dispute: collection paused by a dispute within the period may resume",
    )

    @model_validator(mode="after")
    def check_dates(self) -> ValidationNoticeEvent:
        why = validation_dates_error(
            self.provided_on, self.received_on, self.verification_sent_on, self.occurred_at
        )
        if why is not None:
            raise ValueError(why)
        return self


#: Every input event, as a plain union (``InputEvent`` reads one by its ``type``).
AnyInputEvent = (
    AccountEvent
    | PaymentEvent
    | DeliveryEvent
    | ResponseEvent
    | TaskClosedEvent
    | ValidationNoticeEvent
)
InputEvent = Annotated[AnyInputEvent, Field(discriminator="type")]

#: What the accounts topic carries: snapshots and validation notices, in order.
AccountsRecord = Annotated[AccountEvent | ValidationNoticeEvent, Field(discriminator="type")]
