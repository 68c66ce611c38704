"""Outbound adapters, one module per provider, each speaking the provider's real API.

Every adapter takes a shared ``aiohttp.ClientSession`` and a ``base_url`` so
tests and the demo point it at the sandbox. The contract (``channels.base``):
``send`` returns a ``SendOutcome`` (accepted, or refused for this address),
raises ``RetryableProviderError`` for 5xx, 429, timeouts and resets, and
``PermanentProviderError`` for other refusals (bad credentials, bad request).
"""

from channels.providers.http import Message, Renderer, default_renderer
from channels.providers.infobip import InfobipProvider
from channels.providers.mailgun import MailgunProvider
from channels.providers.meta import MetaWhatsAppProvider
from channels.providers.sendgrid import SendGridProvider
from channels.providers.twilio import TwilioProvider
from channels.providers.vonage import VonageProvider

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
