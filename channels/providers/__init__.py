"""Outbound adapters, one module per provider, each speaking the provider's real API.

Every adapter takes a shared ``aiohttp.ClientSession`` and a ``base_url`` so
tests and the demo point it at the sandbox. The contract (``channels.base``):
``send`` returns a ``SendOutcome`` (accepted, or refused for this address),
raises ``RetryableProviderError`` for 5xx, 429, timeouts and resets, and
``PermanentProviderError`` for other refusals (bad credentials, bad request).
"""

from recaudo.channels.providers.http import Message, Renderer, default_renderer
from recaudo.channels.providers.infobip import InfobipProvider
from recaudo.channels.providers.mailgun import MailgunProvider
from recaudo.channels.providers.meta import MetaWhatsAppProvider
from recaudo.channels.providers.sendgrid import SendGridProvider
from recaudo.channels.providers.twilio import TwilioProvider
from recaudo.channels.providers.vonage import VonageProvider

__all__ = [
    "InfobipProvider",
    "MailgunProvider",
    "Message",
    "MetaWhatsAppProvider",
    "Renderer",
    "SendGridProvider",
    "TwilioProvider",
    "VonageProvider",
    "default_renderer",
]
