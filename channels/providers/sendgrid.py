"""SendGrid Mail Send v3: ``POST /v3/mail/send`` (JSON), Bearer API key.

The ref token travels in ``personalizations[].custom_args``; SendGrid copies
custom args into every Event Webhook event, which is how a bounce finds its
contact. The message id is the ``X-Message-Id`` response header (events carry
it as the prefix of ``sg_message_id``).
"""

from __future__ import annotations

from typing import Any

import aiohttp

from recaudo.channels.base import SendOutcome
from recaudo.channels.credentials import SendGridCredentials
from recaudo.channels.providers.http import IDEMPOTENCY_HEADER, Renderer, call, default_renderer
from recaudo.channels.ref_token import ref_for
from recaudo.contracts.events import DeliveryStatus
from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.errors import PermanentProviderError

DEFAULT_BASE_URL = "https://api.sendgrid.com"
REF_ARG = "rc_ref"


class SendGridProvider:
    # It honours no send idempotency key: a send a crash left in doubt is not repeated.
    idempotent = False
    # custom_args are copied into every event (10,000 bytes for all of them).
    ref_max_len = 1024

    def __init__(
        self,
        session: aiohttp.ClientSession,
        credentials: SendGridCredentials,
        *,
        base_url: str = DEFAULT_BASE_URL,
        renderer: Renderer = default_renderer,
        timeout_s: float = 10.0,
        name: str = "sendgrid",
    ) -> None:
        self.name = name
        self._session = session
        self._creds = credentials
        self._url = f"{base_url.rstrip('/')}/v3/mail/send"
        self._render = renderer
        self._timeout_s = timeout_s

    async def send(self, command: ContactCommand) -> SendOutcome:
        message = self._render(command)
        ref = ref_for(command.tenant_id, command.contact_id, command.debtor_id, self.ref_max_len)
        payload: dict[str, Any] = {
            "personalizations": [
                {
                    "to": [{"email": command.address}],
                    "custom_args": {REF_ARG: ref} if ref else {},
                }
            ],
            "from": {"email": self._creds.from_email},
            "subject": message.subject,
            "content": [{"type": "text/plain", "value": message.text}],
        }
        if message.html:
            payload["content"].append({"type": "text/html", "value": message.html})
        if message.headers:
            # RFC 8058 List-Unsubscribe / List-Unsubscribe-Post travel as mail headers.
            payload["headers"] = message.headers
        reply = await call(
            self._session,
            "POST",
            self._url,
            timeout_s=self._timeout_s,
            json=payload,
            headers={
                "Authorization": f"Bearer {self._creds.api_key.get_secret_value()}",
                IDEMPOTENCY_HEADER: command.contact_id,
            },
        )
        if reply.status == 202:
            return SendOutcome(
                provider=self.name,
                provider_message_id=reply.headers.get("X-Message-Id"),
                status=DeliveryStatus.QUEUED,
            )
        data = reply.json()
        errors = data.get("errors", []) if isinstance(data, dict) else []
        if reply.status == 400 and any(
            isinstance(e, dict) and str(e.get("field", "")).endswith(".email") for e in errors
        ):
            return SendOutcome(
                provider=self.name,
                status=DeliveryStatus.FAILED,
                error_code="invalid_email",
                permanent=True,
            )
        raise PermanentProviderError(f"sendgrid refused: HTTP {reply.status}")
