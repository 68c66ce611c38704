"""Twilio Programmable Messaging (SMS, WhatsApp) and Voice.

Messages: ``POST /2010-04-01/Accounts/{Sid}/Messages.json`` form-encoded
``To``, ``From``, ``Body``, ``StatusCallback``; WhatsApp addresses carry the
``whatsapp:`` prefix. Calls: ``POST .../Calls.json`` with inline ``Twiml``,
answering-machine detection and a status callback for each call event.
Basic auth AccountSid:AuthToken. Twilio has no idempotency key on sends; the
ledger prevents resends and the ref token in the StatusCallback query ties
callbacks to the contact.
"""

from __future__ import annotations

from urllib.parse import quote
from xml.sax.saxutils import escape

import aiohttp

from recaudo.channels.base import SendOutcome
from recaudo.channels.credentials import TwilioCredentials
from recaudo.channels.providers.http import (
    IDEMPOTENCY_HEADER,
    REF_SAFE,
    Renderer,
    Reply,
    basic_auth,
    call,
    callback_url,
    default_renderer,
)
from recaudo.channels.ref_token import ref_for
from recaudo.channels.voice.amd import (
    ANSWER_PATH,
    TWILIO_MACHINE_DETECTION,
    TWILIO_MACHINE_DETECTION_TIMEOUT_S,
    VoiceAnswers,
    VoiceScripts,
)
from recaudo.contracts.events import Channel, DeliveryStatus
from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.errors import PermanentProviderError

DEFAULT_BASE_URL = "https://api.twilio.com"
# Error codes that condemn the address itself (invalid, landline, unsubscribed).
ADDRESS_ERRORS = frozenset({"21211", "21214", "21217", "21407", "21610", "21614", "63003"})


class TwilioProvider:
    # It honours no send idempotency key: a send a crash left in doubt is not repeated.
    idempotent = False
    # The token rides in the StatusCallback URL's query, which Twilio posts back
    # as given; any token we make (~220 characters at most) fits.
    ref_max_len = 1024

    def __init__(
        self,
        session: aiohttp.ClientSession,
        credentials: TwilioCredentials,
        *,
        base_url: str = DEFAULT_BASE_URL,
        webhook_base_url: str | None = None,
        renderer: Renderer = default_renderer,
        timeout_s: float = 10.0,
        name: str = "twilio",
        voice_answers: VoiceAnswers | None = None,
    ) -> None:
        self.name = name
        self._answers = voice_answers
        self._session = session
        self._creds = credentials
        self._base = base_url.rstrip("/")
        self._webhook_base = webhook_base_url
        self._render = renderer
        self._timeout_s = timeout_s

    async def send(self, command: ContactCommand) -> SendOutcome:
        ref = ref_for(command.tenant_id, command.contact_id, command.debtor_id, self.ref_max_len)
        status_callback = callback_url(self._webhook_base, self.name, ref)
        message = self._render(command)
        account = f"{self._base}/2010-04-01/Accounts/{self._creds.account_sid}"
        form: list[tuple[str, str]]
        if command.channel is Channel.VOICE:
            url = f"{account}/Calls.json"
            language = message.language or command.language
            form = [
                ("To", command.address),
                ("From", self._creds.voice_from or self._creds.sms_from),
            ]
            if self._answers is not None and self._webhook_base and ref:
                # Detection first: Twilio asks Url for the TwiML with AnsweredBy, so a
                # machine never hears more than the limited-content message.
                caller = self._creds.voice_from or self._creds.sms_from
                limited = await self._answers.limited(command, caller)
                await self._answers.store.put(ref, VoiceScripts(message.text, limited, language))
                answer = f"{self._webhook_base.rstrip('/')}{ANSWER_PATH}"
                form += [
                    ("Url", f"{answer}?ref={quote(ref, safe=REF_SAFE)}"),
                    ("MachineDetection", TWILIO_MACHINE_DETECTION),
                    ("MachineDetectionTimeout", str(TWILIO_MACHINE_DETECTION_TIMEOUT_S)),
                ]
            else:
                say = f'<Say language="{escape(language)}">{escape(message.text)}</Say>'
                form += [("Twiml", f"<Response>{say}</Response>"), ("MachineDetection", "Enable")]
            if status_callback:
                form += [("StatusCallback", status_callback)] + [
                    ("StatusCallbackEvent", e)
                    for e in ("initiated", "ringing", "answered", "completed")
                ]
        else:
            url = f"{account}/Messages.json"
            to, from_ = command.address, self._creds.sms_from
            if command.channel is Channel.WHATSAPP:
                to = _whatsapp(to)
                from_ = _whatsapp(self._creds.whatsapp_from or self._creds.sms_from)
            form = [("To", to), ("From", from_), ("Body", message.text)]
            if status_callback:
                form.append(("StatusCallback", status_callback))
        reply = await call(
            self._session,
            "POST",
            url,
            timeout_s=self._timeout_s,
            data=form,
            headers={
                "Authorization": basic_auth(
                    self._creds.account_sid, self._creds.auth_token.get_secret_value()
                ),
                IDEMPOTENCY_HEADER: command.contact_id,
            },
        )
        return self._outcome(reply)

    def _outcome(self, reply: Reply) -> SendOutcome:
        data = reply.json()
        if reply.status in (200, 201) and isinstance(data, dict) and data.get("sid"):
            return SendOutcome(
                provider=self.name,
                provider_message_id=str(data["sid"]),
                status=DeliveryStatus.QUEUED,
            )
        code = str(data.get("code")) if isinstance(data, dict) and data.get("code") else None
        if code in ADDRESS_ERRORS:
            return SendOutcome(
                provider=self.name, status=DeliveryStatus.FAILED, error_code=code, permanent=True
            )
        raise PermanentProviderError(f"twilio refused: HTTP {reply.status} code {code}")


def _whatsapp(number: str) -> str:
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"
