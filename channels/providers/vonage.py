"""Vonage SMS API: ``POST /sms/json`` form fields with ``api_key``/``api_secret``.

Vonage answers 200 even for refusals; the per-message ``status`` says what
happened (1 throttled and 5 internal error are worth a retry). ``client-ref``
carries the ref token and comes back in delivery receipts; ``callback`` names
the receipt URL.
"""

from __future__ import annotations

import aiohttp

from recaudo.channels.base import SendOutcome
from recaudo.channels.credentials import VonageCredentials
from recaudo.channels.directory import ref_for
from recaudo.channels.providers.http import (
    IDEMPOTENCY_HEADER,
    Renderer,
    call,
    callback_url,
    default_renderer,
)
from recaudo.foundation.errors import PermanentProviderError, RetryableProviderError
from recaudo.streams.events import DeliveryStatus
from recaudo.streams.outputs import ContactCommand

DEFAULT_BASE_URL = "https://rest.nexmo.com"
RETRYABLE = frozenset({"1", "5"})
# 29: non-whitelisted destination; 6: invalid message/destination.
ADDRESS_ERRORS = frozenset({"6", "29"})


class VonageProvider:
    # It honours no send idempotency key: a send a crash left in doubt is not repeated.
    idempotent = False
    # client-ref: up to 100 characters (40 in older documentation), echoed in
    # delivery receipts. A longer token (long tenant and debtor ids) is replaced
    # by the short one (``directory.ref_for``: tenant and contact id), whose key
    # the dispatcher writes before the send like the rest of the contact's record.
    ref_max_len = 100

    def __init__(
        self,
        session: aiohttp.ClientSession,
        credentials: VonageCredentials,
        *,
        base_url: str = DEFAULT_BASE_URL,
        webhook_base_url: str | None = None,
        renderer: Renderer = default_renderer,
        timeout_s: float = 10.0,
        name: str = "vonage",
    ) -> None:
        self.name = name
        self._session = session
        self._creds = credentials
        self._url = f"{base_url.rstrip('/')}/sms/json"
        self._webhook_base = webhook_base_url
        self._render = renderer
        self._timeout_s = timeout_s

    async def send(self, command: ContactCommand) -> SendOutcome:
        form = [
            ("api_key", self._creds.api_key),
            ("api_secret", self._creds.api_secret.get_secret_value()),
            ("from", self._creds.sender),
            ("to", command.address.lstrip("+")),
            ("text", self._render(command).text),
        ]
        ref = ref_for(command.tenant_id, command.contact_id, command.debtor_id, self.ref_max_len)
        if ref:
            form.append(("client-ref", ref))
        receipt = callback_url(self._webhook_base, self.name)
        if receipt:
            form.append(("callback", receipt))
        reply = await call(
            self._session,
            "POST",
            self._url,
            timeout_s=self._timeout_s,
            data=form,
            headers={IDEMPOTENCY_HEADER: command.contact_id},
        )
        data = reply.json()
        messages = data.get("messages") if isinstance(data, dict) else None
        if reply.status != 200 or not messages:
            raise PermanentProviderError(f"vonage refused: HTTP {reply.status}")
        first = messages[0] if isinstance(messages, list) else None
        if not isinstance(first, dict):
            raise PermanentProviderError(f"vonage: unreadable reply: {str(data)[:200]}")
        status = str(first.get("status", ""))
        if status == "0":
            return SendOutcome(
                provider=self.name,
                provider_message_id=str(first.get("message-id")),
                status=DeliveryStatus.QUEUED,
            )
        if status in RETRYABLE:
            raise RetryableProviderError(f"vonage status {status}")
        if status in ADDRESS_ERRORS:
            return SendOutcome(
                provider=self.name, status=DeliveryStatus.FAILED, error_code=status, permanent=True
            )
        raise PermanentProviderError(f"vonage refused: status {status}")
