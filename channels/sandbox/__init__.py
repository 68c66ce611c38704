"""A local stand-in for the paid providers, speaking their real wire formats.

``Sandbox`` is an aiohttp server (in-process, free loopback port) serving the
send APIs of Twilio, SendGrid, Meta WhatsApp Cloud, Mailgun, Infobip and
Vonage with their auth headers; it honours ``Idempotency-Key`` (the contact
id) so a resend is not a second message, records every message
(``GET /_sandbox/messages``) and posts back correctly signed delivery
webhooks, and inbound replies on request, to our webhook routes.
"""

from recaudo.channels.sandbox.server import Sandbox, SentMessage, sandbox_credentials

__all__ = ["Sandbox", "SentMessage", "sandbox_credentials"]
