"""The contract of a channel provider adapter: send one contact command."""

from __future__ import annotations

from typing import Protocol

from pydantic import Field

from recaudo.streams.events import Contract, DeliveryStatus
from recaudo.streams.outputs import ContactCommand


class SendOutcome(Contract):
    """What a provider said to one send request."""

    provider: str
    provider_message_id: str | None = None
    status: DeliveryStatus = DeliveryStatus.QUEUED
    error_code: str | None = None
    permanent: bool = Field(default=False, description="Hard failure: do not retry this address")


class Provider(Protocol):
    """One outbound provider; ``contact_id`` is sent as its idempotency key."""

    name: str
    # True when the provider de-duplicates requests on our idempotency key, so a
    # send whose outcome a crash left in doubt may safely be repeated.
    idempotent: bool

    async def send(self, command: ContactCommand) -> SendOutcome: ...
