"""Infobip SMS: ``POST /sms/2/text/advanced`` (JSON), ``Authorization: App <key>``.

We set the destination ``messageId`` to the contact id (Infobip's own way to
make resends recognisable), ask for JSON delivery reports at ``notifyUrl`` and
put the ref token in ``callbackData``, which the reports echo.
"""

from __future__ import annotations

import aiohttp

from recaudo.channels.base import SendOutcome
from recaudo.channels.credentials import InfobipCredentials
from recaudo.channels.providers.http import (
    IDEMPOTENCY_HEADER,
    Renderer,
    call,
    callback_url,
    default_renderer,
)
from recaudo.channels.ref_token import ref_for
from recaudo.contracts.events import DeliveryStatus
from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.errors import PermanentProviderError

REJECTED = 5


class InfobipProvider:
    # It honours no send idempotency key: a send a crash left in doubt is not repeated.
    idempotent = False
    # callbackData: up to 4,000 characters, echoed in every delivery report.
    ref_max_len = 4000

    def __init__(
        self,
        session: aiohttp.ClientSession,
        credentials: InfobipCredentials,
        *,
        base_url: str,
        webhook_base_url: str | None = None,
        renderer: Renderer = default_renderer,
        timeout_s: float = 10.0,
        name: str = "infobip",
    ) -> None:
        self.name = name
        self._session = session
        self._creds = credentials
        # Every Infobip account has its own base URL (xxxx.api.infobip.com).
        self._url = f"{base_url.rstrip('/')}/sms/2/text/advanced"
        self._webhook_base = webhook_base_url
        self._render = renderer
        self._timeout_s = timeout_s

    async def send(self, command: ContactCommand) -> SendOutcome:
        message: dict[str, object] = {
            "destinations": [{"to": command.address.lstrip("+"), "messageId": command.contact_id}],
            "from": self._creds.sender,
            "text": self._render(command).text,
        }
        ref = ref_for(command.tenant_id, command.contact_id, command.debtor_id, self.ref_max_len)
        if ref:
            message["callbackData"] = ref
        notify = callback_url(self._webhook_base, self.name)
        if notify:
            message |= {"notifyUrl": notify, "notifyContentType": "application/json"}
        reply = await call(
            self._session,
            "POST",
            self._url,
            timeout_s=self._timeout_s,
            json={"messages": [message]},
            headers={
                "Authorization": f"App {self._creds.api_key.get_secret_value()}",
                IDEMPOTENCY_HEADER: command.contact_id,
            },
        )
        data = reply.json()
        messages = data.get("messages") if isinstance(data, dict) else None
        if reply.status == 200 and messages:
            first = messages[0] if isinstance(messages, list) else None
            status = first.get("status") if isinstance(first, dict) else None
            if not isinstance(first, dict) or not isinstance(status, dict | None):
                raise PermanentProviderError(f"infobip: unreadable reply: {str(data)[:200]}")
            status = status or {}
            if status.get("groupId") == REJECTED:
                name = str(status.get("name", "REJECTED"))
                return SendOutcome(
                    provider=self.name,
                    provider_message_id=first.get("messageId"),
                    status=DeliveryStatus.FAILED,
                    error_code=name[:64],
                    permanent="DESTINATION" in name or "PREFIX" in name,
                )
            return SendOutcome(
                provider=self.name,
                provider_message_id=str(first.get("messageId") or command.contact_id),
                status=DeliveryStatus.QUEUED,
            )
        raise PermanentProviderError(f"infobip refused: HTTP {reply.status}")
