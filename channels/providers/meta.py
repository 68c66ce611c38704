"""Meta WhatsApp Cloud API: ``POST /{version}/{phone_number_id}/messages``.

An approved ``template`` message (business-initiated conversations need one),
Bearer access token. ``biz_opaque_callback_data`` carries the ref token; Meta
echoes it in every status webhook for that message.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from recaudo.channels.base import SendOutcome
from recaudo.channels.credentials import MetaCredentials
from recaudo.channels.providers.http import IDEMPOTENCY_HEADER, call
from recaudo.channels.ref_token import ref_for
from recaudo.contracts.events import DeliveryStatus
from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.errors import PermanentProviderError


def _template(command: ContactCommand) -> dict[str, Any]:
    """The approved template with its rendered body parameters (Meta's components)."""
    content = command.content
    if content is None or content.whatsapp_template is None:
        return {"name": command.template, "language": {"code": command.language}}
    return {
        "name": content.whatsapp_template,
        "language": {"code": content.whatsapp_language or command.language},
        "components": list(content.whatsapp_components),
    }


DEFAULT_BASE_URL = "https://graph.facebook.com"
# Not a WhatsApp user / undeliverable / recipient not allowed.
ADDRESS_ERRORS = frozenset({"131026", "131030", "131021"})


class MetaWhatsAppProvider:
    # It honours no send idempotency key: a send a crash left in doubt is not repeated.
    idempotent = False
    # biz_opaque_callback_data: up to 512 characters, echoed in status webhooks.
    ref_max_len = 512

    def __init__(
        self,
        session: aiohttp.ClientSession,
        credentials: MetaCredentials,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout_s: float = 10.0,
        name: str = "meta",
    ) -> None:
        self.name = name
        self._session = session
        self._creds = credentials
        version, phone = credentials.api_version, credentials.phone_number_id
        self._url = f"{base_url.rstrip('/')}/{version}/{phone}/messages"
        self._timeout_s = timeout_s

    async def send(self, command: ContactCommand) -> SendOutcome:
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": command.address.removeprefix("whatsapp:").lstrip("+"),
            "type": "template",
            "template": _template(command),
        }
        ref = ref_for(command.tenant_id, command.contact_id, command.debtor_id, self.ref_max_len)
        if ref:
            payload["biz_opaque_callback_data"] = ref
        reply = await call(
            self._session,
            "POST",
            self._url,
            timeout_s=self._timeout_s,
            json=payload,
            headers={
                "Authorization": f"Bearer {self._creds.access_token.get_secret_value()}",
                IDEMPOTENCY_HEADER: command.contact_id,
            },
        )
        data = reply.json()
        if reply.status == 200 and isinstance(data, dict):
            messages = data.get("messages") or []
            if messages and isinstance(messages[0], dict) and messages[0].get("id"):
                return SendOutcome(
                    provider=self.name,
                    provider_message_id=str(messages[0]["id"]),
                    status=DeliveryStatus.QUEUED,
                )
        error = data.get("error") if isinstance(data, dict) else None
        code = str(error.get("code")) if isinstance(error, dict) else None
        if code in ADDRESS_ERRORS:
            return SendOutcome(
                provider=self.name, status=DeliveryStatus.FAILED, error_code=code, permanent=True
            )
        raise PermanentProviderError(f"meta refused: HTTP {reply.status} code {code}")
