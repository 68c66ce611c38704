"""The contract of a channel provider adapter: send one contact command."""

from __future__ import annotations

from typing import Protocol

from pydantic import Field

from recaudo.contracts.events import Contract, DeliveryStatus
from recaudo.contracts.outputs import ContactCommand


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
    # The longest ref token (``channels.directory.make_token``) the provider
    # carries back in every status callback; 0 when it echoes none. A send
    # whose token is longer gets the short token (``directory.ref_for``); one
    # that does not fit either is matched by the provider's message id, so only
    # then does the dispatcher write a message-id index (a tenant-level key per
    # message) for it, once the send returned.
    ref_max_len: int

    async def send(self, command: ContactCommand) -> SendOutcome: ...
