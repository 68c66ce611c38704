"""The contract of one provider's webhook: verify the raw bytes, then parse.

``verify`` runs first, on the exact bytes received and the public URL the
provider signed (rebuilt from ``Settings.public_base_url``, since proxies
change scheme and host); it raises ``SignatureError`` (401) and may return a
one-time value (Mailgun token, Vonage nonce) that the service checks against
its replay cache (an ``InvalidEvent`` from ``verify`` is a body that holds no
readable signature: 401 too). ``parse`` turns the verified body into
provider-neutral items or raises ``InvalidEvent``: the request is authentic,
so the service acknowledges it (2xx) and keeps it as a dead letter saying why.
Both must raise nothing else for any input: the routes are fuzzed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from recaudo.contracts.events import Channel, DeliveryStatus


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    method: str
    url: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A delivery status for a message we sent."""

    dedupe_id: str
    status: DeliveryStatus
    message_id: str | None = None
    ref: str | None = None
    channel: Channel | None = None
    address: str | None = None
    error_code: str | None = None
    permanent: bool = False
    occurred_at: dt.datetime | None = None
    # A recipient action that is also an opt-out (e-mail unsubscribe, spam complaint).
    opt_out: bool = False


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A reply from a debtor."""

    dedupe_id: str
    channel: Channel
    from_address: str
    text: str | None
    message_id: str | None = None
    ref: str | None = None
    occurred_at: dt.datetime | None = None
    # The provider itself classified it as an opt-out (e.g. Twilio OptOutType=STOP).
    opt_out: bool = False
    # Our number or address the debtor wrote to: says which tenant was answered.
    to_address: str | None = None


WebhookItem = StatusReport | InboundMessage


class Verifier:
    """Base of the per-provider modules; subclasses set ``name`` and override."""

    name: str = ""
    ack_body: bytes = b'{"ok":true}'
    ack_content_type: str = "application/json"

    async def verify(self, request: WebhookRequest) -> str | None:
        raise NotImplementedError

    def parse(self, request: WebhookRequest) -> list[WebhookItem]:
        raise NotImplementedError

    def handshake(self, query: Mapping[str, str]) -> str | None:
        """Answer a GET verification handshake; None when the provider has none."""
        return None


def from_unix(value: object) -> dt.datetime | None:
    """A provider's epoch seconds (int, float or numeric string) as an aware datetime."""
    try:
        seconds = float(str(value))
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None
