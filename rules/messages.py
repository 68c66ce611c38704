"""Message templates and the sender's identity, as they appear in a tenant policy.

A template has one text per language and channel (Jinja2, rendered in a
sandbox by ``channels.content``); the cadence step names the template, so the
segment and collection stage choose it. ``version`` travels with every contact
and decision, so an audit can say exactly which text a debtor received.
"""

from __future__ import annotations

import string
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from recaudo.contracts.base import lineage
from recaudo.contracts.events import Channel, Jurisdiction

Language = Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LocalizedMessage(_Model):
    """One language's texts; a channel with no text cannot use this template."""

    sms: str | None = None
    email_subject: str | None = None
    email_text: str | None = None
    email_html: str | None = None
    # The approved WhatsApp template's body as Meta holds it (for previews and the
    # notice check) and the expressions that fill its {{1}}, {{2}}, ... in order.
    whatsapp_body: str | None = None
    whatsapp_params: tuple[str, ...] = ()
    whatsapp_language: str | None = Field(
        default=None, description="Meta's language code, e.g. es_MX (default: from the language)"
    )
    voice: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        email = (self.email_subject, self.email_text, self.email_html)
        if any(email) and not all(email):
            raise ValueError("e-mail needs email_subject, email_text and email_html together")
        if bool(self.whatsapp_body) != bool(self.whatsapp_params):
            raise ValueError("whatsapp needs whatsapp_body and whatsapp_params together")
        return self

    def channels(self) -> frozenset[Channel]:
        have = {
            Channel.SMS: self.sms,
            Channel.EMAIL: self.email_text,
            Channel.WHATSAPP: self.whatsapp_body,
            Channel.VOICE: self.voice,
        }
        return frozenset(ch for ch, text in have.items() if text)


class MessageTemplate(_Model):
    version: str = Field(min_length=1, max_length=32)
    # Concatenated SMS cost per segment; a longer rendering is not sent.
    max_sms_segments: int = Field(default=3, ge=1, le=10)
    text: dict[Language, LocalizedMessage] = Field(min_length=1)


#: What a payment page URL may hold, filled in at the decision and again at a
#: click (``channels.content.paylink``).
PAYMENT_FIELDS = frozenset({"payment_reference", "account_reference", "account_id", "contact_id"})


def _with_fields(url: str, allowed: frozenset[str]) -> str:
    """``url`` when its only ``{...}`` are plain names from ``allowed``: a policy with
    any other is refused at load, not by a decision or a debtor's click later."""
    try:
        parts = list(string.Formatter().parse(url))
    except ValueError as exc:
        raise ValueError(f"{exc} (a literal brace is written twice)") from None
    for _, name, spec, conversion in parts:
        if name is not None and (name not in allowed or spec or conversion):
            raise ValueError(f"{{{name}}} is not one of {', '.join(sorted(allowed))}")
    return url


class SenderEntity(_Model):
    """The sender's legal entity in one jurisdiction; an unset field keeps the default."""

    name: str | None = Field(default=None, min_length=1, max_length=80)
    tax_id: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=200)


class Sender(_Model):
    """Who the messages come from, and where a debtor pays."""

    name: str = Field(default="Recaudo", min_length=1, max_length=80)
    tax_id: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=200)
    # 12 CFR 1006.18(e) applies to third-party debt collectors, not to creditors
    # collecting their own debts: a flag the tenant sets.
    third_party_collector: bool = False
    # The tenant's payment page; {payment_reference}, {account_reference},
    # {account_id} and {contact_id} are filled in (URL-quoted).
    payment_url: str = "https://pay.example.invalid/{payment_reference}"
    # RFC 8058 one-click unsubscribe target and the mailto alternative (RFC 2369).
    unsubscribe_url: str = "https://pay.example.invalid/unsubscribe/{contact_id}"
    unsubscribe_mailto: str | None = None
    # A lender writes to each country's debtors as its entity there: the notices
    # the law asks for carry that entity's name, tax id and address (a Brazilian
    # debtor's CNPJ, not the Colombian NIT). Keyed "BR" or "US-NY"; a
    # subdivision without its own entry gets its country's.
    jurisdictions: dict[Jurisdiction, SenderEntity] = {}

    @field_validator("payment_url")
    @classmethod
    def _payment_fields(cls, url: str) -> str:
        return _with_fields(url, PAYMENT_FIELDS)

    @field_validator("unsubscribe_url")
    @classmethod
    def _unsubscribe_fields(cls, url: str) -> str:
        return _with_fields(url, frozenset({"contact_id"}))

    def for_jurisdiction(self, jurisdiction: str | None) -> Sender:
        """This sender as it signs to a debtor of ``jurisdiction``."""
        codes = lineage(jurisdiction) if jurisdiction else ()
        entity = next((self.jurisdictions[c] for c in codes if c in self.jurisdictions), None)
        if entity is None:
            return self
        return self.model_copy(update=entity.model_dump(exclude_none=True))


#: notices.<key>.<channel or "default">.<language> = text (Jinja2 too).
NoticeTexts = dict[str, dict[str, dict[Language, str]]]
