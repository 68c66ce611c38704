"""A contact's delivery receipt as the sandbox provider reports it: one shape for
every simulated world, so the decide stage sees the same events from each."""

from __future__ import annotations

from recaudo.contracts.events import DeliveryEvent, DeliveryStatus
from recaudo.contracts.outputs import ContactCommand
from recaudo.simulator.paydays import from_ms


def receipt(
    c: ContactCommand,
    ms: int,
    status: DeliveryStatus,
    permanent: bool = False,
    error: str | None = None,
) -> DeliveryEvent:
    """The receipt of ``c`` with ``status`` at ``ms`` (epoch milliseconds)."""
    return DeliveryEvent(
        event_id=f"{c.contact_id}:{status.value}",
        tenant_id=c.tenant_id,
        occurred_at=from_ms(ms),
        debtor_id=c.debtor_id,
        contact_id=c.contact_id,
        account_id=c.account_id,
        provider="sandbox",
        channel=c.channel,
        status=status,
        address=c.address,
        provider_error_code=error,
        permanent=permanent,
    )
