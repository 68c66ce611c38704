"""One complete, valid example of each input event, as an integrator would POST it.

``recaudo schema`` prints them as each topic's ``examples``, ``recaudo dev``
prints a curl that posts ``EXAMPLES["account"]``, and the README shows the same
dicts; a test validates each against its model, so none of them can go stale.
One debtor's story on tenant ``acme``: the account snapshot, a reply with a
promise, the delivery receipt of a message, a payment, and a closed task.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EXAMPLES"]

TENANT = "acme"
DEBTOR = "debtor-1001"
ACCOUNT = "acct-1001"

#: Event ``type`` -> one complete example (every optional field filled where it means something).
EXAMPLES: dict[str, dict[str, Any]] = {
    "account": {
        "type": "account",
        "event_id": "acct-1001-2026-11-30",
        "tenant_id": TENANT,
        "occurred_at": "2026-11-30T06:00:00Z",
        "debtor_id": DEBTOR,
        "account_id": ACCOUNT,
        "balance": {"amount_minor": 1250000, "currency": "MXN"},
        "amount_due": {"amount_minor": 250000, "currency": "MXN"},
        "due_date": "2026-11-15",
        "days_past_due": 15,
        "status": "delinquent",
        "product": "personal_loan",
        "jurisdiction": "MX",
        "timezone": "America/Mexico_City",
        "language": "es",
        "contact_points": [
            {"channel": "sms", "address": "+525512345678", "consent": True},
            {"channel": "email", "address": "ana.lopez@example.com", "consent": True},
        ],
        "flags": {"dispute": False, "bankruptcy": False, "deceased": False},
        "segment": "early",
        "debtor_name": "Ana López",
        "creditor_name": "Acme Créditos",
        "account_reference": "PL-1001",
        "payment_reference": "ACME-PL-1001",
    },
    "delivery": {
        "type": "delivery",
        "event_id": "twilio-SM0001-delivered",
        "tenant_id": TENANT,
        "occurred_at": "2026-11-30T15:02:10Z",
        "debtor_id": DEBTOR,
        "contact_id": "c-7f3a9e",
        "account_id": ACCOUNT,
        "provider": "twilio",
        "channel": "sms",
        "status": "delivered",
        "address": "+525512345678",
    },
    "response": {
        "type": "response",
        "event_id": "sms-in-0001",
        "tenant_id": TENANT,
        "occurred_at": "2026-11-30T15:20:00Z",
        "debtor_id": DEBTOR,
        "account_id": ACCOUNT,
        "contact_id": "c-7f3a9e",
        "channel": "sms",
        "text": "Pago 2,500 el viernes",
        "intent": "promise_to_pay",
        "promise": {"amount": {"amount_minor": 250000, "currency": "MXN"}, "due_on": "2026-12-04"},
    },
    "payment": {
        "type": "payment",
        "event_id": "pay-88120",
        "tenant_id": TENANT,
        "occurred_at": "2026-12-04T17:45:00Z",
        "debtor_id": DEBTOR,
        "payment_id": "pay-88120",
        "account_id": ACCOUNT,
        "amount": {"amount_minor": 250000, "currency": "MXN"},
        "method": "bank_transfer",
        "paid_at": "2026-12-04T17:44:31Z",
    },
    "task_closed": {
        "type": "task_closed",
        "event_id": "task-close-t-42",
        "tenant_id": TENANT,
        "occurred_at": "2026-12-04T18:00:00Z",
        "debtor_id": DEBTOR,
        "task_id": "t-42",
        "resolution": "promise_recorded",
        "closed_by": "agent-maria",
        "note": "Called back; she pays Fridays.",
    },
    "validation_notice": {
        "type": "validation_notice",
        "event_id": "vn-l-0042-1",
        "tenant_id": TENANT,
        "occurred_at": "2026-12-04T18:05:00Z",
        "debtor_id": DEBTOR,
        "account_id": ACCOUNT,
        "provided_on": "2026-11-02",
        "method": "mail",
        "esign_consent": False,
        "received_on": None,
        "verification_sent_on": "2026-12-04",
    },
}
