"""Output records: contact commands, the decision audit log, dead letters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, ConfigDict, Field

from recaudo.contracts.events import Channel, Contract, Identifier, TenantId

JsonScalar = str | int | float | bool | None
#: Why a contact is made: collecting a debt in arrears, a courtesy reminder before
#: the due date (a servicing message; rules/profiles/servicing.py), or a notice the
#: law requires before an action (Colombia's prior notice of a negative credit-bureau
#: report, rules/credit_bureau.py), judged by every collection rule.
Purpose = Literal["collection", "reminder", "notice"]


# Plain data, not a pydantic model: the decision stage builds one per rule it
# checks, for every channel of every decision. Pydantic validates it where a
# ``Decision`` is read back (the constraints annotated here) and dumps it as before.
@dataclass(frozen=True, slots=True, kw_only=True)
class Reason:
    """One rule that decided a verdict, with the parameters it used."""

    __pydantic_config__ = ConfigDict(extra="forbid", str_strip_whitespace=True)

    rule_id: Annotated[str, Field(min_length=1, max_length=96)]
    # The schema keeps its documented default (a factory has none to show).
    params: Annotated[dict[str, JsonScalar], Field(json_schema_extra={"default": {}})] = field(
        default_factory=dict
    )
    citation: str | None = None


class MessageContent(Contract):
    """The message as rendered at decision time, so dispatch sends exactly what was
    decided (and audited) and a replay renders nothing again."""

    template_id: str = Field(description="template/language/channel")
    template_version: str
    language: str = Field(description="The locale the message was rendered in, e.g. es-CO")
    text: str = Field(description="SMS body, e-mail plain text, voice script, WhatsApp preview")
    # SMS: GSM-7 or UCS-2, and how many concatenated segments the body takes.
    encoding: str | None = None
    segments: int | None = None
    # E-mail.
    subject: str | None = None
    html: str | None = None
    headers: dict[str, str] = {}
    # WhatsApp Cloud API approved template: name, language code, components.
    whatsapp_template: str | None = None
    whatsapp_language: str | None = None
    whatsapp_components: tuple[dict[str, object], ...] = ()
    # Voice: the text-to-speech language (BCP 47).
    tts_language: str | None = None
    pay_url: str | None = None
    # Where the link leads: the tenant's payment page, filled with the references
    # below. Dispatch keeps the references for clicks (``PayDestination``); a
    # command without them (decided by an earlier release) has its page kept.
    pay_target: str | None = None
    payment_reference: str | None = None
    account_reference: str | None = None
    pay_expires_at: AwareDatetime | None = None


class ContactCommand(Contract):
    """Send this message now; ``contact_id`` is the provider's idempotency key."""

    contact_id: Identifier
    tenant_id: TenantId
    debtor_id: Identifier
    account_id: Identifier
    channel: Channel
    address: str
    template: str
    language: str
    send_at: AwareDatetime
    expires_at: AwareDatetime
    strategy: str
    arm: str
    scores: dict[str, float] = {}
    decision_id: Identifier
    trigger_event_id: Identifier
    # The rendered message (issue 10); None only for contacts decided before it existed.
    content: MessageContent | None = None
    template_version: str | None = None
    purpose: Purpose = "collection"
    # When the debtor consented to this address: dispatch asks the reassigned-numbers
    # database whether a phone number was disconnected since. None: not checked.
    consent_date: dt.date | None = None


class Action(StrEnum):
    CONTACT = "contact"
    DEFER = "defer"
    SUPPRESS = "suppress"
    CANCEL = "cancel"


class Decision(Contract):
    """One audit record; every contact, deferral, suppression and cancellation has one."""

    decision_id: Identifier
    tenant_id: TenantId
    debtor_id: Identifier
    account_id: Identifier | None = None
    action: Action
    reasons: tuple[Reason, ...]
    contact_id: Identifier | None = None
    channel: Channel | None = None
    defer_until: AwareDatetime | None = None
    model_versions: dict[str, str] = {}
    scores: dict[str, float] = {}
    options: dict[str, float] = Field(
        default={},
        description="Every option the strategy could have taken here (a channel, or 'skip') "
        "with the probability it had of being chosen; they sum to one",
    )
    propensity: float | None = Field(
        default=None, ge=0, le=1, description="Probability of the action actually taken"
    )
    features: dict[str, float | str] = Field(
        default={}, description="The context the strategy decided on, for off-policy evaluation"
    )
    policy_version: str
    strategy: str | None = Field(default=None, description="Champion/challenger experiment")
    arm: str | None = None
    trigger_event_id: Identifier
    trigger_type: str
    decided_at: AwareDatetime
    latency_s: float = Field(ge=0, description="Trigger event ingested -> decision, seconds")
    # The message sent (issue 10): template version and, for SMS, its segment count.
    template_version: str | None = None
    segments: int | None = None
    purpose: Purpose = Field(
        default="collection",
        description="collection, a courtesy reminder before the due date, or a notice the "
        "law requires (credit-bureau prior notice)",
    )


class DeadLetter(Contract):
    """An input that could not be processed, with why; nothing is dropped silently."""

    type: Literal["dead_letter"] = "dead_letter"
    source_topic: str
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    payload: str = Field(description="The raw message, UTF-8 (undecodable bytes replaced)")
    error_type: str
    error: str
    tenant_id: str | None = None
    failed_at: AwareDatetime


class Release(Contract):
    """Internal: the schedule says something is due (a deferred contact, a promise
    to check); the debtor's owner re-decides it now."""

    type: Literal["release"] = "release"
    # "held": a payment waiting for its account has waited too long (streams.decision.accounts).
    kind: Literal["contact", "promise", "held"] = "contact"
    event_id: Identifier
    tenant_id: TenantId
    debtor_id: Identifier
    item_id: Identifier
    due_at: AwareDatetime
    released_at: AwareDatetime


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
