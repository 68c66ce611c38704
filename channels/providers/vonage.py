"""Vonage SMS API: ``POST /sms/json`` form fields with ``api_key``/``api_secret``;
Voice API: ``POST /v1/calls`` JSON with the application's JWT.

Vonage answers 200 even for refusals; the per-message ``status`` says what
happened (1 throttled and 5 internal error are worth a retry). ``client-ref``
carries the ref token and comes back in delivery receipts; ``callback`` names
the receipt URL. A call asks for advanced machine detection and names our
``answer_url`` and ``event_url`` (ref token in their query): detection reports
``human`` or ``machine`` on the event webhook, and the NCCO our answer webhook
serves plays what that verdict allows (``channels.voice``).
"""

from __future__ import annotations

import time
from urllib.parse import quote

import aiohttp

from recaudo.channels.base import SendOutcome
from recaudo.channels.credentials import VonageCredentials
from recaudo.channels.providers.http import (
    IDEMPOTENCY_HEADER,
    REF_SAFE,
    Renderer,
    call,
    callback_url,
    default_renderer,
)
from recaudo.channels.ref_token import ref_for
from recaudo.channels.voice.amd import (
    VONAGE_AMD,
    VONAGE_ANSWER_PATH,
    VONAGE_EVENT_PATH,
    VoiceAnswers,
    VoiceScripts,
)
from recaudo.channels.webhooks.vonage_voice import application_jwt
from recaudo.contracts.events import Channel, DeliveryStatus
from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.errors import PermanentProviderError, RetryableProviderError

DEFAULT_BASE_URL = "https://rest.nexmo.com"
DEFAULT_VOICE_BASE_URL = "https://api.nexmo.com"
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
        voice_base_url: str = DEFAULT_VOICE_BASE_URL,
        voice_answers: VoiceAnswers | None = None,
    ) -> None:
        self.name = name
        self._session = session
        self._creds = credentials
        self._url = f"{base_url.rstrip('/')}/sms/json"
        self._calls_url = f"{voice_base_url.rstrip('/')}/v1/calls"
        self._answers = voice_answers
        self._webhook_base = webhook_base_url
        self._render = renderer
        self._timeout_s = timeout_s

    @property
    def places_calls(self) -> bool:
        """Calls need the Voice application's key, a number and our answer webhooks."""
        c = self._creds
        return bool(
            self._answers and self._webhook_base and c.application_id and c.private_key
        ) and bool(c.voice_from)

    async def send(self, command: ContactCommand) -> SendOutcome:
        if command.channel is Channel.VOICE:
            return await self._call(command)
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

    async def _call(self, command: ContactCommand) -> SendOutcome:
        creds, answers, base = self._creds, self._answers, self._webhook_base
        ref = ref_for(command.tenant_id, command.contact_id, command.debtor_id, self.ref_max_len)
        if not (self.places_calls and answers and base and ref and creds.private_key):
            raise PermanentProviderError("vonage: voice is not configured")
        caller = creds.voice_from or creds.sender
        message = self._render(command)
        language = message.language or command.language
        # Scripts first: the answer webhook may be asked before this returns.
        limited = await answers.limited(command, caller)
        await answers.store.put(ref, VoiceScripts(message.text, limited, language))
        query = f"?ref={quote(ref, safe=REF_SAFE)}"
        body = {
            "to": [{"type": "phone", "number": command.address.lstrip("+")}],
            "from": {"type": "phone", "number": caller.lstrip("+")},
            "answer_url": [f"{base.rstrip('/')}{VONAGE_ANSWER_PATH}{query}"],
            "answer_method": "POST",
            "event_url": [f"{base.rstrip('/')}{VONAGE_EVENT_PATH}{query}"],
            "event_method": "POST",
            "advanced_machine_detection": VONAGE_AMD,
        }
        token = application_jwt(
            str(creds.application_id), creds.private_key.get_secret_value(), time.time()
        )
        reply = await call(
            self._session,
            "POST",
            self._calls_url,
            timeout_s=self._timeout_s,
            json=body,
            headers={"Authorization": f"Bearer {token}", IDEMPOTENCY_HEADER: command.contact_id},
        )
        data = reply.json()
        if reply.status in (200, 201) and isinstance(data, dict) and data.get("uuid"):
            return SendOutcome(
                provider=self.name,
                provider_message_id=str(data["uuid"]),
                status=DeliveryStatus.QUEUED,
            )
        raise PermanentProviderError(f"vonage voice refused: HTTP {reply.status}")
