"""What a provider's webhook item becomes on our topics: a ``DeliveryEvent`` on
``deliveries``, a ``ResponseEvent`` on ``responses``, dated on our clock's terms.

The provider's fields are bounded to what the contracts hold; ids derive from the
provider's own (``channels.ids.event_id``), so a retried webhook publishes the
same event again and the decision stage sees it once.
"""

from __future__ import annotations

import datetime as dt

from recaudo.channels.directory import ContactRef
from recaudo.channels.ids import event_id
from recaudo.channels.opt_out import detect_opt_out_all
from recaudo.channels.webhooks.base import StatusReport, WebhookItem
from recaudo.contracts.events import DeliveryEvent, Intent, ResponseEvent


def occurred(item: WebhookItem, now: dt.datetime) -> dt.datetime:
    """When it happened: the provider's time, never later than ``now`` (our clock).
    A provider's clock ahead of ours would date the event in our future, and the
    decision stage refuses an event far in the future: a STOP lost to a skewed
    clock. Nothing is reported before it happens, so our receipt bounds it."""
    return now if item.occurred_at is None or item.occurred_at > now else item.occurred_at


def delivery(provider: str, item: StatusReport, ref: ContactRef, at: dt.datetime) -> DeliveryEvent:
    """The delivery status of ``ref``'s contact, as the provider reported it."""
    return DeliveryEvent(
        event_id=event_id(provider, item.dedupe_id),
        tenant_id=ref.tenant_id,
        occurred_at=at,
        debtor_id=ref.debtor_id,
        contact_id=ref.contact_id,
        account_id=ref.account_id,
        provider=provider[:32],
        channel=item.channel or ref.channel,
        status=item.status,
        address=(item.address or ref.address)[:320],
        provider_error_code=item.error_code[:64] if item.error_code else None,
        permanent=item.permanent,
    )


def response(
    provider: str,
    dedupe_id: str,
    ref: ContactRef,
    channel: object,
    text: str | None,
    opt_out: bool,
    at: dt.datetime,
) -> ResponseEvent:
    """A reply (or a recipient action that is an opt-out) to ``ref``'s contact."""
    return ResponseEvent.model_validate(
        {
            "event_id": event_id(provider, "in", dedupe_id),
            "tenant_id": ref.tenant_id,
            "occurred_at": at,
            "debtor_id": ref.debtor_id,
            "account_id": ref.account_id,
            "contact_id": ref.contact_id,
            "channel": channel,
            "text": text[:4096] if text else None,
            # Rules decide opt-out; any other intent is the classifier's job downstream.
            "intent": Intent.OPT_OUT if opt_out else None,
            "opt_out_all": opt_out and detect_opt_out_all(text, ref.language),
        }
    )
