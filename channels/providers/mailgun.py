"""Mailgun Messages API: ``POST /v3/{domain}/messages``, form fields, Basic ``api:key``.

The ref token is a custom variable ``v:rc_ref``; Mailgun returns custom
variables in ``event-data.user-variables`` of every webhook.
"""

from __future__ import annotations

import aiohttp

from recaudo.channels.base import SendOutcome
from recaudo.channels.credentials import MailgunCredentials
from recaudo.channels.providers.http import (
    IDEMPOTENCY_HEADER,
    Renderer,
    basic_auth,
    call,
    default_renderer,
)
from recaudo.channels.ref_token import ref_for
from recaudo.contracts.events import DeliveryStatus
from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.errors import PermanentProviderError

DEFAULT_BASE_URL = "https://api.mailgun.net"
REF_VAR = "rc_ref"


class MailgunProvider:
    # It honours no send idempotency key: a send a crash left in doubt is not repeated.
    idempotent = False
    # ``v:`` variables come back in every event's user-variables.
    ref_max_len = 1024

    def __init__(
        self,
        session: aiohttp.ClientSession,
        credentials: MailgunCredentials,
        *,
        base_url: str = DEFAULT_BASE_URL,
        renderer: Renderer = default_renderer,
        timeout_s: float = 10.0,
        name: str = "mailgun",
    ) -> None:
        self.name = name
        self._session = session
        self._creds = credentials
        self._url = f"{base_url.rstrip('/')}/v3/{credentials.domain}/messages"
        self._render = renderer
        self._timeout_s = timeout_s

    async def send(self, command: ContactCommand) -> SendOutcome:
        message = self._render(command)
        form = [
            ("from", self._creds.from_email),
            ("to", command.address),
            ("subject", message.subject),
            ("text", message.text),
        ]
        ref = ref_for(command.tenant_id, command.contact_id, command.debtor_id, self.ref_max_len)
        if ref:
            form.append((f"v:{REF_VAR}", ref))
        if message.html:
            form.append(("html", message.html))
        # Mailgun adds custom MIME headers given as "h:<Header>" fields.
        form += [(f"h:{name}", value) for name, value in message.headers.items()]
        reply = await call(
            self._session,
            "POST",
            self._url,
            timeout_s=self._timeout_s,
            data=form,
            headers={
                "Authorization": basic_auth("api", self._creds.api_key.get_secret_value()),
                IDEMPOTENCY_HEADER: command.contact_id,
            },
        )
        data = reply.json()
        if reply.status == 200 and isinstance(data, dict) and data.get("id"):
            return SendOutcome(
                provider=self.name,
                provider_message_id=str(data["id"]).strip("<>"),
                status=DeliveryStatus.QUEUED,
            )
        text = str(data.get("message", "")) if isinstance(data, dict) else ""
        if reply.status == 400 and "valid address" in text:
            return SendOutcome(
                provider=self.name,
                status=DeliveryStatus.FAILED,
                error_code="invalid_address",
                permanent=True,
            )
        raise PermanentProviderError(f"mailgun refused: HTTP {reply.status}")
