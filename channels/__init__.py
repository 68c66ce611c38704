"""Channel providers (Twilio, SendGrid, Meta WhatsApp, ...): outbound send,
signed inbound webhooks, and the sandbox that speaks their wire formats.

"Channel" here means a contact medium and its provider, not a Faust channel.
"""

from channels.base import Provider, SendOutcome

__all__ = ["Provider", "SendOutcome"]
